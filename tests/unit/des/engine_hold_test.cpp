// SPDX-License-Identifier: MIT
// Engine holds (issue 13): while the LPs another rank can reach wait at the round's bound, the
// LPs that only hear their own rank run on, up to the earliest output of the exposed LPs when
// that output ignores their input. Times worked out by hand below.
#include "unit/des/loopback_run.hpp"

#include "ltdes/core/error.hpp"
#include "ltdes/des/delay_graph.hpp"
#include "ltdes/des/engine.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>
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

/// Ticks itself every 5 ps from 5 on and records when. As the exposed LP it plays a router:
/// nothing it hears makes it send before `next_send` (when `ignores`), else it would answer an
/// input at once; with `lie_at`, it sends LP 1 a tick at that time anyway (a model bug).
class Recorder final : public LogicalProcess {
public:
    Recorder(SimTime next_send, bool ignores, std::int64_t lie_at = -1)
        : next_send_(next_send), ignores_(ignores), lie_at_(lie_at) {}

    void on_start(Context& ctx) override { ctx.send(ctx.self(), ps(5), Tick{1}); }

    void on_event(const Event& ev, Context& ctx) override {
        seen.push_back(ev.time.in_ps());
        if (ev.src == ev.dst) {
            ctx.send(ctx.self(), ps(5), Tick{ev.as<Tick>().n + 1});
        }
        if (ev.time.in_ps() == lie_at_) {
            ctx.send(LpId{1}, ps(kLookahead), Tick{0});
        }
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
    std::int64_t lie_at_;
};

struct HeldRank {
    std::unique_ptr<Engine> engine;
    std::vector<Recorder*> lps;  // LP 0 (exposed) and LP 1 (sheltered) of rank 0
};

// 4 LPs in blocks over 2 ranks: LPs 0 and 1 on rank 0 (built here), 2 and 3 on rank 1.
HeldRank make(bool ignores, std::int64_t lie_at = -1) {
    SimulationSpec spec;
    spec.lookahead = ps(kLookahead);
    spec.lps_per_shard = 2;  // one queue: windows may span many lookaheads
    HeldRank s;
    s.engine = std::make_unique<Engine>(
        spec, RankId{0}, 2, BlockPartitioner{}, 4, [&](LpId id) -> std::unique_ptr<LogicalProcess> {
            auto lp = std::make_unique<Recorder>(to_underlying(id) == 0 ? ps(100) : SimTime::max(),
                                                 ignores, to_underlying(id) == 0 ? lie_at : -1);
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
    while (e.next_runnable_time() < to) {
        e.execute_window(to, ps(22));
        e.route();
    }
    EXPECT_EQ(s.lps[0]->seen, (std::vector<std::int64_t>{5, 10, 15, 20}));
    ASSERT_EQ(s.lps[1]->seen.size(), 21U);
    EXPECT_EQ(s.lps[1]->seen.back(), 105);
    // Aside, LP 0's tick is still pending: the rounds must count it.
    EXPECT_EQ(e.next_event_time(), ps(25));
    EXPECT_EQ(e.next_runnable_time(), ps(110));
    // LP 0's tick at 25 waited aside; back in the queue it is the earliest event.
    e.release_held();
    EXPECT_EQ(e.next_event_time(), ps(25));
    e.execute_window(ps(26));
    EXPECT_EQ(s.lps[0]->seen.back(), 25);
    EXPECT_EQ(s.lps[1]->seen.size(), 21U);
}

TEST(EngineHold, ReleasingUpToAHoldKeepsAsideWhatItWouldHoldAgain) {
    // After the windows above, LP 0's tick at 25 waits aside. A release below 25 leaves it
    // there (a window would only set it aside again); a release past it puts it back.
    HeldRank s = make(true);
    Engine& e = *s.engine;
    const SimTime to = e.sheltered_bound(ps(22));
    while (e.next_runnable_time() < to) {
        e.execute_window(to, ps(22));
        e.route();
    }
    e.release_held(ps(25));
    EXPECT_EQ(e.next_runnable_time(), ps(110));
    EXPECT_EQ(e.next_event_time(), ps(25));
    std::vector<SimTime> per_lp;
    e.next_event_times(per_lp);
    EXPECT_EQ(per_lp[0], ps(25));  // LP 0's pending tick, aside or not
    e.release_held(ps(26));
    EXPECT_EQ(e.next_runnable_time(), ps(25));
    e.execute_window(ps(26));
    EXPECT_EQ(s.lps[0]->seen.back(), 25);
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

TEST(EngineHold, AnExposedLpSendingSoonerThanPromisedFails) {
    // LP 0 promised nothing before 100, but its tick 25 (held past this round's bound of 22)
    // sends LP 1 a tick for 35, when LP 1 already ran to 105: an InternalError (the shard's
    // failure) in the next window, not a silent reorder.
    HeldRank s = make(true, 25);
    Engine& e = *s.engine;
    e.execute_window(e.sheltered_bound(ps(22)), ps(22));
    ASSERT_FALSE(e.failed());
    e.route();
    e.release_held();
    e.execute_window(ps(40));
    ASSERT_TRUE(e.failed());
    try {
        std::rethrow_exception(e.failure());
    } catch (const InternalError& err) {
        const std::string what = err.what();
        EXPECT_NE(what.find("LP 0 -> 1"), std::string::npos) << what;
        EXPECT_NE(what.find("earliest_output"), std::string::npos) << what;
    }
}

/// The delay graph lists 2 -> 0 and 0 -> 1 only.
class PartialGraph final : public DelayGraph {
public:
    void for_each_target(LpId src, const std::function<void(LpId, SimTime)>& visit) const override {
        if (to_underlying(src) == 2) {
            visit(LpId{0}, ps(kLookahead));
        } else if (to_underlying(src) == 0) {
            visit(LpId{1}, ps(kLookahead));
        }
    }
};

/// LP 2 (rank 1): sends LP 1 a tick at 5, which the graph does not list.
class Stray final : public LogicalProcess {
public:
    void on_start(Context& ctx) override { ctx.send(ctx.self(), ps(5), Tick{0}); }

    void on_event(const Event& ev, Context& ctx) override {
        if (ev.src == ev.dst) {
            ctx.send(LpId{1}, ps(kLookahead), Tick{0});
            sent_ = true;
        }
    }

    bool bounds_output() const override { return true; }

    SimTime earliest_output(SimTime /*input_from*/) override {
        return sent_ ? SimTime::max() : ps(5);
    }

private:
    bool sent_ = false;
};

TEST(EngineHold, AnEventForAShelteredLpFromAnotherRankFailsEveryRank) {
    // LP 1 only hears LP 0 by the graph, so it ran to 110 in round 1; LP 2's tick for it at 15
    // breaks the graph. Every rank reports it.
    SimulationSpec spec;
    spec.lookahead = ps(kLookahead);
    const PartialGraph graph;
    const auto ranks = testing::run_loopback(
        2, spec, BlockPartitioner{}, 3,
        [](LpId id) -> std::unique_ptr<LogicalProcess> {
            if (to_underlying(id) == 2) {
                return std::make_unique<Stray>();
            }
            return std::make_unique<Recorder>(to_underlying(id) == 0 ? ps(100) : SimTime::max(),
                                              true);
        },
        {}, &graph);
    for (const auto& r : ranks) {
        ASSERT_TRUE(r.error);
        try {
            std::rethrow_exception(r.error);
        } catch (const InternalError& err) {
            EXPECT_NE(std::string(err.what()).find("the delay graph lists no LP"),
                      std::string::npos)
                << err.what();
        }
    }
}

}  // namespace
}  // namespace ltdes::des
