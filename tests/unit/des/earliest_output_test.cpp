// SPDX-License-Identifier: MIT
// LogicalProcess::earliest_output(): ranks wait only for what their LPs can still send. Round
// counts are worked out by hand in the comments; results must not depend on the bounds.
#include "unit/des/loopback_run.hpp"

#include "ltdes/core/error.hpp"
#include "ltdes/des/simulation.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace ltdes::des {
namespace {

using testing::RankResult;
using testing::run_loopback;

constexpr std::int64_t kLookahead = 10;  // ps; no delay graph: every rank one lookahead away

SimTime ps(std::int64_t v) {
    return SimTime::from_ps(v);
}

struct Tick {
    static constexpr std::uint16_t kKind = 11;
    std::uint32_t n = 0;
};

struct Job {
    static constexpr std::uint16_t kKind = 12;
    std::uint32_t unused = 0;
};

/// LP 0: computes for 100 ps (self ticks at 1, 2, ..., 100), then hands a job to LP 1
/// (arriving at 110). It knows it sends nothing before tick 100 — or, when `lie`, claims it
/// never sends and hands the job over at tick 50.
class Worker final : public LogicalProcess {
public:
    Worker(bool bounded, bool lie) : bounded_(bounded), lie_(lie) {}

    void on_start(Context& ctx) override { ctx.send(ctx.self(), ps(1), Tick{1}); }

    void on_event(const Event& ev, Context& ctx) override {
        seen.emplace_back(ev.time.in_ps(), ev.kind);
        if (ev.kind != Tick::kKind) {
            return;  // the reply: done
        }
        const std::uint32_t n = ev.as<Tick>().n;
        if (n == (lie_ ? 50U : 100U)) {
            ctx.send(LpId{1}, ps(kLookahead), Job{});
            sent_ = true;
        }
        if (n < 100) {
            ctx.send(ctx.self(), ps(1), Tick{n + 1});
        }
    }

    bool bounds_output() const override { return bounded_; }

    SimTime earliest_output(SimTime /*input_from*/) override {
        // The reply never makes it send again.
        return sent_ || lie_ ? SimTime::max() : ps(100);
    }

    std::vector<std::pair<std::int64_t, std::uint16_t>> seen;

private:
    bool bounded_;
    bool lie_;
    bool sent_ = false;
};

/// LP 1: answers each job at once (delay one lookahead); it reacts to input, so its bound is
/// the input's time.
class Server final : public LogicalProcess {
public:
    explicit Server(bool bounded) : bounded_(bounded) {}

    void on_event(const Event& ev, Context& ctx) override {
        seen.emplace_back(ev.time.in_ps(), ev.kind);
        ctx.send(LpId{0}, ps(kLookahead), Job{});
    }

    bool bounds_output() const override { return bounded_; }

    SimTime earliest_output(SimTime input_from) override { return input_from; }

    std::vector<std::pair<std::int64_t, std::uint16_t>> seen;

private:
    bool bounded_;
};

struct Outcome {
    std::vector<RankResult> ranks;
    std::vector<std::pair<std::int64_t, std::uint16_t>> worker, server;
};

Outcome run_pair(bool bounded, bool lie = false) {
    SimulationSpec spec;
    spec.lookahead = ps(kLookahead);
    Outcome out;
    out.ranks = run_loopback(
        2, spec, BlockPartitioner{}, 2,
        [&](LpId id) -> std::unique_ptr<LogicalProcess> {
            if (to_underlying(id) == 0) {
                return std::make_unique<Worker>(bounded, lie);
            }
            return std::make_unique<Server>(bounded);
        },
        [&](int, Simulation& sim) {
            sim.for_each_local_lp([&](LpId id, LogicalProcess& lp) {
                if (to_underlying(id) == 0) {
                    out.worker = static_cast<Worker&>(lp).seen;
                } else {
                    out.server = static_cast<Server&>(lp).seen;
                }
            });
        });
    return out;
}

TEST(EarliestOutput, ABusyLpLetsTheOtherRankRunAheadInThreeRounds) {
    // Round 1: rank 0's output bound is 100 (tick 100), rank 1's is max (no input pending), so
    //   rank 0 may run to 100 + 2 lookaheads = 120 (its own work coming back the earliest) and
    //   executes all 100 ticks; the job (time 110) leaves with the round.
    // Round 2: the job in transit bounds rank 1 at 110 + 10 = 120: it runs the job at 110 and
    //   replies (time 120).
    // Round 3: the reply in transit bounds rank 0 at 130: it runs the reply at 120.
    // Round 4 finds nothing pending and ends the run (not counted).
    const Outcome with = run_pair(true);
    for (const RankResult& r : with.ranks) {
        ASSERT_FALSE(r.error);
        EXPECT_EQ(r.stats.rounds, 3U);
        EXPECT_EQ(r.stats.global_events, 102U);  // 100 ticks, the job, the reply
    }
    ASSERT_EQ(with.worker.size(), 101U);
    EXPECT_EQ(with.worker.back(), std::make_pair(std::int64_t{120}, Job::kKind));
    EXPECT_EQ(with.server,
              (std::vector<std::pair<std::int64_t, std::uint16_t>>{{110, Job::kKind}}));

    // Without the bounds rank 0 advances two lookaheads a round (ticks 1..100 alone take five
    // rounds): more rounds, the same events.
    const Outcome without = run_pair(false);
    for (const RankResult& r : without.ranks) {
        ASSERT_FALSE(r.error);
        EXPECT_GT(r.stats.rounds, 5U);
        EXPECT_EQ(r.stats.fingerprint, with.ranks[0].stats.fingerprint);
    }
    EXPECT_EQ(without.worker, with.worker);
    EXPECT_EQ(without.server, with.server);
}

TEST(EarliestOutput, ASendBeforeThePromisedTimeFailsEveryRank) {
    // The worker claims it never sends, so rank 1 is told nothing can reach it; the job sent at
    // tick 50 is a model bug, reported on both ranks (nobody hangs).
    const Outcome lied = run_pair(true, true);
    for (const RankResult& r : lied.ranks) {
        ASSERT_TRUE(r.error);
        try {
            std::rethrow_exception(r.error);
        } catch (const InternalError& e) {
            const std::string what = e.what();
            EXPECT_NE(what.find("LP 0 -> 1"), std::string::npos) << what;
            EXPECT_NE(what.find("earliest_output"), std::string::npos) << what;
        } catch (...) {
            ADD_FAILURE() << "not an InternalError";
        }
    }
}

/// LP 0 (rank 0): dispatches one job to LP 2 at 200 (arriving at 210) whatever it receives.
class Dispatcher final : public LogicalProcess {
public:
    void on_start(Context& ctx) override { ctx.send(ctx.self(), ps(200), Tick{0}); }

    void on_event(const Event& ev, Context& ctx) override {
        seen.emplace_back(ev.time.in_ps(), ev.kind);
        if (ev.kind == Tick::kKind) {
            ctx.send(LpId{2}, ps(kLookahead), Job{});
            sent_ = true;
        }
    }

    bool bounds_output() const override { return true; }

    SimTime earliest_output(SimTime /*input_from*/) override {
        return sent_ ? SimTime::max() : ps(200);
    }

    bool output_ignores_input() const override { return true; }

    std::vector<std::pair<std::int64_t, std::uint16_t>> seen;

private:
    bool sent_ = false;
};

/// LP 1 (rank 0, with the dispatcher): sends one note to LP 0 at 50 (arriving at 60); with
/// `sole`, declares LP 0 its only target.
class Reporter final : public LogicalProcess {
public:
    explicit Reporter(bool sole) : sole_(sole) {}

    void on_start(Context& ctx) override { ctx.send(ctx.self(), ps(50), Tick{0}); }

    void on_event(const Event& /*ev*/, Context& ctx) override {
        ctx.send(LpId{0}, ps(kLookahead), Job{});
        sent_ = true;
    }

    bool bounds_output() const override { return true; }

    SimTime earliest_output(SimTime /*input_from*/) override {
        return sent_ ? SimTime::max() : ps(50);
    }

    std::optional<LpId> sole_target() const override {
        return sole_ ? std::optional<LpId>(LpId{0}) : std::nullopt;
    }

private:
    bool sole_;
    bool sent_ = false;
};

/// LP 2 (rank 1): ticks at 1, 2, ..., 300; pings LP 0 at tick 100 (arriving at 110) and
/// answers each job at once.
class Ticker final : public LogicalProcess {
public:
    void on_start(Context& ctx) override { ctx.send(ctx.self(), ps(1), Tick{1}); }

    void on_event(const Event& ev, Context& ctx) override {
        seen.emplace_back(ev.time.in_ps(), ev.kind);
        if (ev.kind == Job::kKind) {
            ctx.send(LpId{0}, ps(kLookahead), Job{});
            return;
        }
        const std::uint32_t n = ev.as<Tick>().n;
        if (n == 100) {
            ctx.send(LpId{0}, ps(kLookahead), Job{});
            pinged_ = true;
        }
        if (n < 300) {
            ctx.send(ctx.self(), ps(1), Tick{n + 1});
        }
    }

    bool bounds_output() const override { return true; }

    SimTime earliest_output(SimTime input_from) override {
        return std::min(input_from, pinged_ ? SimTime::max() : ps(100));
    }

    std::vector<std::pair<std::int64_t, std::uint16_t>> seen;

private:
    bool pinged_ = false;
};

Outcome run_trio(bool sole) {
    SimulationSpec spec;
    spec.lookahead = ps(kLookahead);
    Outcome out;
    out.ranks = run_loopback(
        2, spec, BlockPartitioner{}, 3,  // LPs 0 and 1 on rank 0, LP 2 on rank 1
        [&](LpId id) -> std::unique_ptr<LogicalProcess> {
            switch (to_underlying(id)) {
                case 0:
                    return std::make_unique<Dispatcher>();
                case 1:
                    return std::make_unique<Reporter>(sole);
                default:
                    return std::make_unique<Ticker>();
            }
        },
        [&](int, Simulation& sim) {
            sim.for_each_local_lp([&](LpId id, LogicalProcess& lp) {
                if (to_underlying(id) == 0) {
                    out.worker = static_cast<Dispatcher&>(lp).seen;
                } else if (to_underlying(id) == 2) {
                    out.server = static_cast<Ticker&>(lp).seen;
                }
            });
        });
    return out;
}

TEST(EarliestOutput, AnLpWhoseOnlyTargetIgnoresItsInputDoesNotBoundTheRank) {
    // With the reporter left out (its note goes only to the dispatcher on its own rank, which
    // dispatches at 200 whatever it receives), rank 0 promises 200 and rank 1 100 (the ping); a
    // rank's own output may also come back to it two lookaheads later:
    //   1: rank 0 runs to 110 (tick 50, note 60); rank 1 to 120 (the ping leaves at tick 100).
    //   2: the ping in transit bounds both at 120: rank 0 runs it.
    //   3: rank 1 promises nothing more: rank 0 runs to 220 (tick 200, the job for 210 leaves),
    //      rank 1 to 210.
    //   4: the job bounds both at 220: rank 1 runs ticks 210-219 and the job (answer at 220).
    //   5: the answer bounds both at 230: rank 0 runs it, rank 1 ticks to 229.
    //   6: nothing can reach rank 1 any more: it runs its last ticks.
    // With the reporter in the bound, rank 0 promises 50 in round 1, so rank 0 stops at 70 and
    // rank 1 at 60, and one more round is needed to reach the state after round 1 above: 7.
    // The same events either way.
    const Outcome sole = run_trio(true);
    const Outcome any = run_trio(false);
    for (const RankResult& r : sole.ranks) {
        ASSERT_FALSE(r.error);
        EXPECT_EQ(r.stats.rounds, 6U);
        // LP 2's 300 ticks, the two other ticks, the note, the ping, the job and its answer.
        EXPECT_EQ(r.stats.global_events, 306U);
    }
    for (const RankResult& r : any.ranks) {
        ASSERT_FALSE(r.error);
        EXPECT_EQ(r.stats.rounds, 7U);
        EXPECT_EQ(r.stats.fingerprint, sole.ranks[0].stats.fingerprint);
    }
    EXPECT_EQ(sole.worker, any.worker);
    EXPECT_EQ(sole.server, any.server);
    EXPECT_EQ(sole.worker.size(), 4U);  // note 60, ping 110, tick 200, answer 220
}

}  // namespace
}  // namespace ltdes::des
