// SPDX-License-Identifier: MIT
// Engine holds (issue 13): while the LPs another rank can reach wait at the round's bound, the
// LPs that only hear their own rank run on, up to the earliest output of the exposed LPs when
// that output ignores their input. Times worked out by hand below.
#include "ltdes/des/engine.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <utility>
#include <vector>

namespace ltdes::des {
namespace {

constexpr std::int64_t kLookahead = 10;  // ps

SimTime ps(std::int64_t v) {
    return SimTime::from_ps(v);
}

struct Tick {
    static constexpr std::uint16_t kKind = 31;
    std::uint32_t n = 0;
};

/// Ticks itself every 5 ps from 5 on and records when; sends nothing to anyone else. As the
/// exposed LP it plays a router: nothing it hears makes it send before `next_send` (when
/// `ignores`), else it would answer an input at once.
class Recorder final : public LogicalProcess {
public:
    Recorder(SimTime next_send, bool ignores) : next_send_(next_send), ignores_(ignores) {}

    void on_start(Context& ctx) override { ctx.send(ctx.self(), ps(5), Tick{1}); }

    void on_event(const Event& ev, Context& ctx) override {
        seen.push_back(ev.time.in_ps());
        ctx.send(ctx.self(), ps(5), Tick{ev.as<Tick>().n + 1});
    }

    bool bounds_output() const override { return true; }

    SimTime earliest_output(SimTime input_from) override {
        return ignores_ ? next_send_ : std::min(input_from, next_send_);
    }

    bool output_ignores_input() const override { return ignores_; }

    std::vector<std::int64_t> seen;

private:
    SimTime next_send_;
    bool ignores_;
};

struct HeldRank {
    std::unique_ptr<Engine> engine;
    std::vector<Recorder*> lps;  // LP 0 (exposed) and LP 1 (sheltered) of rank 0
};

// 4 LPs in blocks over 2 ranks: LPs 0 and 1 on rank 0 (built here), 2 and 3 on rank 1.
HeldRank make(bool ignores) {
    SimulationSpec spec;
    spec.lookahead = ps(kLookahead);
    spec.lps_per_shard = 2;  // one queue: windows may span many lookaheads
    HeldRank s;
    s.engine = std::make_unique<Engine>(
        spec, RankId{0}, 2, BlockPartitioner{}, 4, [&](LpId id) -> std::unique_ptr<LogicalProcess> {
            auto lp = std::make_unique<Recorder>(to_underlying(id) == 0 ? ps(100) : SimTime::max(),
                                                 ignores);
            s.lps.push_back(lp.get());
            return lp;
        });
    s.engine->set_exposed({1, 0});
    s.engine->start();
    return s;
}

TEST(EngineHold, ShelteredLpsRunToTheExposedLpsOutputWhileTheseWait) {
    // Round bound 22: LP 0 (exposed) may run its ticks 5, 10, 15, 20. It sends at 100 at the
    // earliest whatever it hears, so LP 1 (only LP 0 may send to it) may run to
    // 100 + lookahead = 110: ticks 5 ... 105.
    HeldRank s = make(true);
    Engine& e = *s.engine;
    const SimTime to = e.sheltered_bound(ps(22));
    ASSERT_EQ(to, ps(110));
    while (e.next_event_time() < to) {
        e.execute_window(to, ps(22));
        e.route();
    }
    EXPECT_EQ(s.lps[0]->seen, (std::vector<std::int64_t>{5, 10, 15, 20}));
    ASSERT_EQ(s.lps[1]->seen.size(), 21U);
    EXPECT_EQ(s.lps[1]->seen.back(), 105);
    // LP 0's tick at 25 waited aside; back in the queue it is the earliest event.
    e.release_held();
    EXPECT_EQ(e.next_event_time(), ps(25));
    e.execute_window(ps(26));
    EXPECT_EQ(s.lps[0]->seen.back(), 25);
    EXPECT_EQ(s.lps[1]->seen.size(), 21U);
}

TEST(EngineHold, NothingRunsAheadWhenTheExposedLpAnswersInputs) {
    // An input from rank 1 at the bound could make LP 0 send at once: LP 1 stops at the bound.
    HeldRank s = make(false);
    EXPECT_EQ(s.engine->sheltered_bound(ps(22)), ps(22));
}

TEST(EngineHold, EveryLpExposedMeansNoHold) {
    HeldRank s = make(true);
    s.engine->set_exposed({1, 1});
    EXPECT_EQ(s.engine->sheltered_bound(ps(22)), ps(22));
}

}  // namespace
}  // namespace ltdes::des
