// SPDX-License-Identifier: MIT
// The kernel's edge cases, on one rank and on several in-process (loopback) ranks. Expected
// values are worked out by hand in the comments.
#include "ltdes/des/simulation.hpp"

#include "unit/des/loopback_run.hpp"

#include "ltdes/core/error.hpp"
#include "ltdes/dist/loopback_transport.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <vector>

namespace ltdes::des {
namespace {

using testing::run_loopback;

struct Ping {
    static constexpr std::uint16_t kKind = 3;
    std::uint32_t hops = 0;
};

struct Seen {
    std::int64_t time_ps;
    std::uint32_t src;
    std::uint64_t seq;
    friend bool operator==(const Seen&, const Seen&) = default;
};

/// An LP whose behaviour is given by lambdas; it records what it received.
class ScriptLp final : public LogicalProcess {
public:
    using StartFn = std::function<void(Context&)>;
    using EventFn = std::function<void(const Event&, Context&)>;

    ScriptLp(StartFn start, EventFn event) : start_(std::move(start)), event_(std::move(event)) {}

    void on_start(Context& ctx) override {
        if (start_) {
            start_(ctx);
        }
    }

    void on_event(const Event& ev, Context& ctx) override {
        seen.push_back({ev.time.in_ps(), to_underlying(ev.src), ev.seq});
        if (event_) {
            event_(ev, ctx);
        }
    }

    void on_finish(Context& ctx) override {
        finished = true;
        finish_time = ctx.now();
    }

    std::vector<Seen> seen;
    bool finished = false;
    SimTime finish_time = SimTime::from_ps(-1);

private:
    StartFn start_;
    EventFn event_;
};

SimTime ps(std::int64_t v) {
    return SimTime::from_ps(v);
}

SimulationSpec spec_with(std::int64_t lookahead_ps, int threads = 1) {
    SimulationSpec s;
    s.lookahead = ps(lookahead_ps);
    s.threads = threads;
    return s;
}

/// One-rank run; returns stats and every LP's record.
struct LocalRun {
    RunStats stats;
    std::map<std::uint32_t, ScriptLp*> lps;
    std::unique_ptr<dist::LoopbackTransport> transport;
    std::unique_ptr<Simulation> sim;
};

LocalRun run_local(const SimulationSpec& spec,
                   std::uint32_t lp_count,
                   const std::function<std::unique_ptr<ScriptLp>(LpId)>& make) {
    LocalRun run;
    run.transport = std::make_unique<dist::LoopbackTransport>();
    run.sim = std::make_unique<Simulation>(spec, *run.transport, BlockPartitioner{}, lp_count,
                                           [&](LpId id) { return make(id); });
    run.stats = run.sim->run();
    run.sim->for_each_local_lp([&](LpId id, LogicalProcess& lp) {
        run.lps[to_underlying(id)] = static_cast<ScriptLp*>(&lp);
    });
    return run;
}

TEST(Simulation, SimultaneousEventsFromManySourcesRunInSourceThenSequenceOrder) {
    // LPs 1..40 each send two events to LP 0, all at t = 10 ps. LP 0 must see them ordered by
    // (src, seq): 1/0, 1/1, 2/0, 2/1, ... whatever the partition or thread count.
    constexpr std::uint32_t kLps = 41;
    auto make = [](LpId id) -> std::unique_ptr<LogicalProcess> {
        if (to_underlying(id) == 0) {
            return std::make_unique<ScriptLp>(nullptr, nullptr);
        }
        return std::make_unique<ScriptLp>(
            [](Context& ctx) {
                ctx.send(LpId{0}, ps(10), Ping{});
                ctx.send(LpId{0}, ps(10), Ping{});
            },
            nullptr);
    };
    std::vector<Seen> expected;
    for (std::uint32_t src = 1; src < kLps; ++src) {
        expected.push_back({10, src, 0});
        expected.push_back({10, src, 1});
    }
    for (int ranks : {1, 3}) {
        for (int threads : {1, 4}) {
            std::vector<Seen> seen;
            const auto results = run_loopback(
                ranks, spec_with(10, threads), RoundRobinPartitioner{}, kLps,
                [&](LpId id) { return make(id); },
                [&](int, Simulation& sim) {
                    sim.for_each_local_lp([&](LpId id, LogicalProcess& lp) {
                        if (to_underlying(id) == 0) {
                            seen = static_cast<ScriptLp&>(lp).seen;
                        }
                    });
                });
            for (const auto& r : results) {
                ASSERT_FALSE(r.error) << "ranks " << ranks;
                EXPECT_EQ(r.stats.global_events, 80U);
            }
            EXPECT_EQ(seen, expected) << ranks << " ranks, " << threads << " threads";
        }
    }
}

TEST(Simulation, EventsExactlyAtAWindowEdgeRunInTheNextWindow) {
    // Lookahead 10 ps. LP 0 starts with a self-event at 0; at 0 it sends to LP 1 (+10 = 10) and
    // to itself (+9 = 9); at 9 it sends to LP 1 (+10 = 19). LP 1, at 10, replies (+10 = 20).
    // Windows: [0,10) runs LP0@0, LP0@9; [10,20) runs LP1@10, LP1@19; [20,30) runs LP0@20 —
    // the events at 10 and 20 sit exactly on an edge and must open the next window.
    auto make = [](LpId id) -> std::unique_ptr<ScriptLp> {
        if (to_underlying(id) == 0) {
            return std::make_unique<ScriptLp>(
                [](Context& ctx) { ctx.send(ctx.self(), ps(0), Ping{}); },
                [](const Event& ev, Context& ctx) {
                    if (ev.time == ps(0)) {
                        ctx.send(LpId{1}, ps(10), Ping{});
                        ctx.send(ctx.self(), ps(9), Ping{});
                    } else if (ev.time == ps(9)) {
                        ctx.send(LpId{1}, ps(10), Ping{});
                    }
                });
        }
        return std::make_unique<ScriptLp>(nullptr, [](const Event& ev, Context& ctx) {
            if (ev.time == ps(10)) {
                ctx.send(LpId{0}, ps(10), Ping{});
            }
        });
    };
    const LocalRun run = run_local(spec_with(10), 2, make);
    EXPECT_EQ(run.stats.windows, 3U);
    EXPECT_EQ(run.stats.global_events, 5U);
    EXPECT_EQ(run.stats.last_event_time, ps(20));
    // LP 0: start event (seq 0), self-event at 9 (its seq 2: seq 1 went to LP 1), reply from 1.
    EXPECT_EQ(run.lps.at(0)->seen, (std::vector<Seen>{{0, 0, 0}, {9, 0, 2}, {20, 1, 0}}));
    EXPECT_EQ(run.lps.at(1)->seen, (std::vector<Seen>{{10, 0, 1}, {19, 0, 3}}));
}

TEST(Simulation, SelfSendsWithZeroDelayRunInTheSameWindow) {
    // A chain of five zero-delay self-events at t = 7 ps: one window, five events.
    auto make = [](LpId) {
        return std::make_unique<ScriptLp>(
            [](Context& ctx) { ctx.send(ctx.self(), ps(7), Ping{0}); },
            [](const Event& ev, Context& ctx) {
                const auto hops = ev.as<Ping>().hops;
                if (hops < 4) {
                    ctx.send(ctx.self(), ps(0), Ping{hops + 1});
                }
            });
    };
    const LocalRun run = run_local(spec_with(1000), 1, make);
    EXPECT_EQ(run.stats.windows, 1U);
    EXPECT_EQ(run.stats.global_events, 5U);
    EXPECT_EQ(run.lps.at(0)->seen.back(), (Seen{7, 0, 4}));
}

TEST(Simulation, AnIdleStretchCostsOneWindow) {
    // Lookahead 1 ps, events at 0 and at 10^12 ps: two windows, not 10^12.
    auto make = [](LpId) {
        return std::make_unique<ScriptLp>(
            [](Context& ctx) {
                ctx.send(ctx.self(), ps(0), Ping{});
                ctx.send(ctx.self(), ps(1'000'000'000'000), Ping{});
            },
            nullptr);
    };
    const LocalRun run = run_local(spec_with(1), 1, make);
    EXPECT_EQ(run.stats.windows, 2U);
    EXPECT_EQ(run.stats.global_events, 2U);
    EXPECT_EQ(run.stats.last_event_time, ps(1'000'000'000'000));
}

TEST(Simulation, EventsAtOrAfterTheEndTimeDoNotRun) {
    // End 100 ps: the self-events at 99 and 100 are sent; only 99 runs.
    SimulationSpec spec = spec_with(5);
    spec.end_time = ps(100);
    auto make = [](LpId) {
        return std::make_unique<ScriptLp>(
            [](Context& ctx) {
                ctx.send(ctx.self(), ps(100), Ping{});
                ctx.send(ctx.self(), ps(99), Ping{});
            },
            nullptr);
    };
    const LocalRun run = run_local(spec, 1, make);
    EXPECT_EQ(run.stats.global_events, 1U);
    EXPECT_EQ(run.lps.at(0)->seen, (std::vector<Seen>{{99, 0, 1}}));
    EXPECT_EQ(run.sim->lp_stats(LpId{0}).events_sent, 2U);
    EXPECT_EQ(run.lps.at(0)->finish_time, ps(99));
}

TEST(Simulation, ZeroEventSimulationFinishesEveryLpAtTimeZero) {
    const LocalRun run = run_local(
        spec_with(3), 5, [](LpId) { return std::make_unique<ScriptLp>(nullptr, nullptr); });
    EXPECT_EQ(run.stats.global_events, 0U);
    EXPECT_EQ(run.stats.windows, 0U);
    EXPECT_EQ(run.stats.fingerprint, 0U);
    EXPECT_EQ(run.stats.last_event_time, ps(0));
    ASSERT_EQ(run.lps.size(), 5U);
    for (const auto& [id, lp] : run.lps) {
        EXPECT_TRUE(lp->finished) << id;
        EXPECT_EQ(lp->finish_time, ps(0));
    }
}

TEST(Simulation, AnLpWithNoEventsIsStillStartedAndFinished) {
    // LP 0 pings LP 1 at 5 ps; LP 2 never hears anything.
    auto make = [](LpId id) {
        if (to_underlying(id) == 0) {
            return std::make_unique<ScriptLp>(
                [](Context& ctx) { ctx.send(LpId{1}, ps(5), Ping{}); }, nullptr);
        }
        return std::make_unique<ScriptLp>(nullptr, nullptr);
    };
    const LocalRun run = run_local(spec_with(5), 3, make);
    EXPECT_EQ(run.stats.global_events, 1U);
    EXPECT_TRUE(run.lps.at(2)->seen.empty());
    EXPECT_TRUE(run.lps.at(2)->finished);
    EXPECT_EQ(run.sim->lp_stats(LpId{2}).events_executed, 0U);
    EXPECT_EQ(run.sim->lp_stats(LpId{1}).events_executed, 1U);
    EXPECT_EQ(run.lps.at(2)->finish_time, ps(5));
}

TEST(Simulation, RanksWithoutLpsTakePartInEveryWindow) {
    // 2 LPs on 4 ranks (block): ranks 2 and 3 own nothing. LP 0 and LP 1 ping-pong 6 times with
    // delay 4 ps: events at 4, 8, ..., 24. Every event waits for the one before it on the other
    // rank, so 6 rounds on every rank; LP 1 runs 4, 12, 20 and LP 0 runs 8, 16, 24: 3 windows on
    // ranks 0 and 1, none on 2 and 3.
    auto make = [](LpId id) -> std::unique_ptr<LogicalProcess> {
        const LpId peer{1 - to_underlying(id)};
        return std::make_unique<ScriptLp>(
            [id](Context& ctx) {
                if (to_underlying(id) == 0) {
                    ctx.send(LpId{1}, ps(4), Ping{1});
                }
            },
            [peer](const Event& ev, Context& ctx) {
                const auto hops = ev.as<Ping>().hops;
                if (hops < 6) {
                    ctx.send(peer, ps(4), Ping{hops + 1});
                }
            });
    };
    std::vector<std::uint32_t> local_counts(4);
    const auto results =
        run_loopback(4, spec_with(4), BlockPartitioner{}, 2, make, [&](int r, Simulation& sim) {
            local_counts[static_cast<std::size_t>(r)] = sim.local_lp_count();
        });
    EXPECT_EQ(local_counts, (std::vector<std::uint32_t>{1, 1, 0, 0}));
    for (const auto& r : results) {
        ASSERT_FALSE(r.error);
        EXPECT_EQ(r.stats.global_events, 6U);
        EXPECT_EQ(r.stats.rounds, 6U);
        EXPECT_EQ(r.stats.windows, 3U);
        EXPECT_EQ(r.stats.windows_per_rank, (std::vector<std::uint64_t>{3, 3, 0, 0}));
        EXPECT_EQ(r.stats.last_event_time, ps(24));
    }
    EXPECT_EQ(results[2].stats.local_events, 0U);
    EXPECT_EQ(results[0].stats.local_events + results[1].stats.local_events, 6U);
    EXPECT_EQ(results[0].stats.fingerprint, results[3].stats.fingerprint);
}

std::string error_text(const std::exception_ptr& e) {
    try {
        std::rethrow_exception(e);
    } catch (const std::exception& ex) {
        return ex.what();
    }
}

TEST(Simulation, ASendBelowTheLookaheadNamesBothLps) {
    // LP 3 sends to LP 5 with 9 ps < lookahead 10 ps, on 3 ranks: every rank fails with the
    // same InternalError, and nobody hangs.
    auto make = [](LpId id) {
        if (to_underlying(id) == 3) {
            return std::make_unique<ScriptLp>(
                [](Context& ctx) { ctx.send(ctx.self(), ps(20), Ping{}); },
                [](const Event&, Context& ctx) { ctx.send(LpId{5}, ps(9), Ping{}); });
        }
        return std::make_unique<ScriptLp>(nullptr, nullptr);
    };
    const auto results = run_loopback(3, spec_with(10), BlockPartitioner{}, 6, make);
    for (const auto& r : results) {
        ASSERT_TRUE(r.error);
        EXPECT_THROW(std::rethrow_exception(r.error), InternalError);
        const std::string what = error_text(r.error);
        EXPECT_NE(what.find("LP 3 -> 5"), std::string::npos) << what;
        EXPECT_NE(what.find("lookahead"), std::string::npos) << what;
    }
}

TEST(Simulation, ANegativeSelfDelayIsAnError) {
    auto make = [](LpId) {
        return std::make_unique<ScriptLp>(
            [](Context& ctx) { ctx.send(ctx.self(), ps(-1), Ping{}); }, nullptr);
    };
    EXPECT_THROW(run_local(spec_with(10), 1, make), InternalError);
}

TEST(Simulation, SendingFromOnFinishIsAnError) {
    class Late final : public LogicalProcess {
    public:
        void on_event(const Event&, Context&) override {}

        void on_finish(Context& ctx) override { ctx.send(ctx.self(), ps(1), Ping{}); }
    };

    dist::LoopbackTransport transport;
    Simulation sim(spec_with(10), transport, BlockPartitioner{}, 1,
                   [](LpId) { return std::make_unique<Late>(); });
    EXPECT_THROW(sim.run(), InternalError);
}

TEST(Simulation, BadInputOnOneRankFailsEveryRankWithItsMessage) {
    // The factory rejects LP 4 (owned by rank 1 of 3): each rank throws ltdes::Error (exit 2)
    // with the same text.
    auto make = [](LpId id) -> std::unique_ptr<LogicalProcess> {
        if (to_underlying(id) == 4) {
            throw ConfigError("cluster.yaml: chips[4].arch: no such file");
        }
        return std::make_unique<ScriptLp>(nullptr, nullptr);
    };
    const auto results = run_loopback(3, spec_with(10), BlockPartitioner{}, 6, make);
    for (const auto& r : results) {
        ASSERT_TRUE(r.error);
        EXPECT_THROW(std::rethrow_exception(r.error), Error);
        EXPECT_EQ(error_text(r.error), "cluster.yaml: chips[4].arch: no such file");
    }
}

TEST(Simulation, RejectsANonPositiveLookahead) {
    dist::LoopbackTransport transport;
    auto make = [](LpId) { return std::make_unique<ScriptLp>(nullptr, nullptr); };
    EXPECT_THROW(Simulation(spec_with(0), transport, BlockPartitioner{}, 1, make), ConfigError);
}

TEST(Simulation, ProgressHookSeesEveryWindow) {
    // Self-events at 0, 10, 20 with lookahead 5: three windows starting at 0, 10, 20, all in the
    // first round (one rank: nothing can arrive from elsewhere); the events count is the round's
    // (0) plus this rank's since, this window included.
    auto make = [](LpId) {
        return std::make_unique<ScriptLp>(
            [](Context& ctx) {
                for (int i = 0; i < 3; ++i) {
                    ctx.send(ctx.self(), ps(10 * i), Ping{});
                }
            },
            nullptr);
    };
    dist::LoopbackTransport transport;
    Simulation sim(spec_with(5), transport, BlockPartitioner{}, 1, make);
    std::vector<std::pair<std::int64_t, std::int64_t>> windows;
    std::vector<std::uint64_t> events_before;
    std::vector<std::uint64_t> rounds;
    sim.set_progress([&](const WindowProgress& p) {
        windows.emplace_back(p.window_start.in_ps(), p.window_end.in_ps());
        events_before.push_back(p.global_events);
        rounds.push_back(p.rounds);
    });
    const RunStats stats = sim.run();
    EXPECT_EQ(windows,
              (std::vector<std::pair<std::int64_t, std::int64_t>>{{0, 5}, {10, 15}, {20, 25}}));
    EXPECT_EQ(events_before, (std::vector<std::uint64_t>{1, 2, 3}));
    EXPECT_EQ(rounds, (std::vector<std::uint64_t>{1, 1, 1}));
    EXPECT_EQ(stats.rounds, 1U);
    EXPECT_EQ(stats.windows, 3U);
}

TEST(Simulation, BeforeStartHookRunsOnceBeforeAnyLpAndCountsInTheRunsTime) {
    // The hook sleeps 30 ms: it runs before the LP's on_start, once, and the run's wall time
    // (stats.local_wall_seconds, what /metadata/ranks reports) includes it.
    std::vector<std::string> order;
    auto make = [&](LpId) {
        return std::make_unique<ScriptLp>([&](Context&) { order.emplace_back("start"); }, nullptr);
    };
    dist::LoopbackTransport transport;
    Simulation sim(spec_with(5), transport, BlockPartitioner{}, 1, make);
    sim.set_before_start([&] {
        order.emplace_back("hook");
        std::this_thread::sleep_for(std::chrono::milliseconds(30));
    });
    const RunStats stats = sim.run();
    EXPECT_EQ(order, (std::vector<std::string>{"hook", "start"}));
    EXPECT_GE(stats.local_wall_seconds, 0.030);
    ASSERT_EQ(stats.wall_seconds_per_rank.size(), 1U);
    EXPECT_GE(stats.wall_seconds_per_rank[0], 0.030);
}

struct Other {
    static constexpr std::uint16_t kKind = 4;
    std::uint32_t x = 0;
};

TEST(Event, ReadingThePayloadAsAnotherKindIsAnError) {
    Event ev;
    ev.set_payload(Ping{42});
    EXPECT_EQ(ev.as<Ping>().hops, 42U);
    EXPECT_THROW(static_cast<void>(ev.as<Other>()), InternalError);
}

TEST(Simulation, EventsBetweenShardsOfOneRankKeepTheRunGoingWithThreads) {
    // Two LPs, one per shard, 2 threads: a ball passed back and forth 10 times with delay 5 ps
    // (= lookahead). Every pass crosses shards inside the rank, so the event is pending in
    // the target shard's inbox when the next window is agreed. Hand count: 10 events, the
    // last at 10 · 5 = 50 ps (the first send happens in on_start at 0).
    constexpr std::uint32_t kPasses = 10;
    auto make = [](LpId) {
        return std::make_unique<ScriptLp>(
            [](Context& ctx) {
                if (to_underlying(ctx.self()) == 0) {
                    ctx.send(LpId{1}, ps(5), Ping{1});
                }
            },
            [](const Event& ev, Context& ctx) {
                const auto hops = ev.as<Ping>().hops;
                if (hops < kPasses) {
                    ctx.send(LpId{1U - to_underlying(ctx.self())}, ps(5), Ping{hops + 1});
                }
            });
    };
    for (int threads : {1, 2}) {
        SimulationSpec spec = spec_with(5, threads);
        spec.lps_per_shard = 1;
        const LocalRun run = run_local(spec, 2, make);
        EXPECT_EQ(run.stats.global_events, kPasses) << threads << " thread(s)";
        EXPECT_EQ(run.stats.last_event_time, ps(5 * kPasses)) << threads << " thread(s)";
        EXPECT_EQ(run.lps.at(1)->seen.size(), kPasses / 2) << threads << " thread(s)";
    }
}

}  // namespace
}  // namespace ltdes::des
