// SPDX-License-Identifier: MIT
// Per-rank-pair delays from a model's delay graph, and what they buy: ranks that cannot reach
// each other never wait (issue 13).
#include "ltdes/des/rank_reach.hpp"

#include "loopback_run.hpp"

#include "ltdes/core/error.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace ltdes::des {
namespace {

using testing::run_loopback;

SimTime ps(std::int64_t v) {
    return SimTime::from_ps(v);
}

/// A delay graph from an explicit edge list.
class EdgeGraph final : public DelayGraph {
public:
    explicit EdgeGraph(std::multimap<std::uint32_t, std::pair<std::uint32_t, std::int64_t>> edges)
        : edges_(std::move(edges)) {}

    void for_each_target(LpId src, const std::function<void(LpId, SimTime)>& visit) const override {
        const auto [first, last] = edges_.equal_range(to_underlying(src));
        for (auto it = first; it != last; ++it) {
            visit(LpId{it->second.first}, ps(it->second.second));
        }
    }

    bool relays(LpId lp) const override { return quiet_.count(to_underlying(lp)) == 0; }

    /// LPs whose output ignores their input (DelayGraph::relays() false).
    std::set<std::uint32_t> quiet_;

private:
    std::multimap<std::uint32_t, std::pair<std::uint32_t, std::int64_t>> edges_;
};

TEST(RankReach, ShortestChainsOverTheRankGraph) {
    // One LP per rank. Edges 0->1 (10 ps), 1->2 (5), 2->0 (7), 0->2 (40), and LP 3 talks to
    // nobody. From rank 0: D(0,1) = 10, D(0,2) = min(40, 10 + 5) = 15, D(0,3) = never, and the
    // shortest way back to 0 is 0->1->2->0 = 22.
    const EdgeGraph g({{0, {1, 10}}, {1, {2, 5}}, {2, {0, 7}}, {0, {2, 40}}});
    const std::vector<std::int32_t> owner = {0, 1, 2, 3};
    const RankReach r(g, owner, 4, RankId{0}, ps(5));
    EXPECT_EQ(r.to(1), ps(10));
    EXPECT_EQ(r.to(2), ps(15));
    EXPECT_EQ(r.to(3), SimTime::max());
    EXPECT_EQ(r.to(0), ps(22));
    EXPECT_EQ(r.direct(1), ps(10));
    EXPECT_EQ(r.direct(2), ps(40));
    EXPECT_EQ(r.direct(3), SimTime::max());
    EXPECT_EQ(r.out_degree(), 2U);
    EXPECT_EQ(r.reachable(), 3U);  // 0 (by its cycle), 1, 2
    EXPECT_EQ(r.min_edge(), ps(5));
    // Rank 3 reaches nobody and nobody reaches it: its row is all "never".
    const RankReach r3(g, owner, 4, RankId{3}, ps(5));
    EXPECT_EQ(r3.reachable(), 0U);
}

TEST(RankReach, EdgesBetweenLpsOfOneRankDoNotCount) {
    // LPs 0, 1 on rank 0 and LP 2 on rank 1: 0->1 (5) is internal; 1->2 (8) is the only edge.
    const EdgeGraph g({{0, {1, 5}}, {1, {2, 8}}});
    const RankReach r(g, {0, 0, 1}, 2, RankId{0}, ps(5));
    EXPECT_EQ(r.to(1), ps(8));
    EXPECT_EQ(r.to(0), SimTime::max());  // nothing comes back
}

TEST(RankReach, PerLpChainsStartWhereTheLpIs) {
    // A line 0 - 1 - 2 | 3, 5 ps per edge both ways, LPs 0-2 on rank 0, LP 3 on rank 1. Only
    // LP 2 touches the border: the rank's D(0, 1) = 5, but LP 1 needs 1->2->3 = 10 and LP 0
    // 15. Back home through rank 1: LP 2 2->3->2 = 10, LP 1 5 + 10 = 15, LP 0 20.
    const EdgeGraph g(
        {{0, {1, 5}}, {1, {0, 5}}, {1, {2, 5}}, {2, {1, 5}}, {2, {3, 5}}, {3, {2, 5}}});
    const RankReach r(g, {0, 0, 0, 1}, 2, RankId{0}, ps(5));
    EXPECT_EQ(r.to(1), ps(5));
    EXPECT_EQ(r.to(0), ps(10));
    ASSERT_TRUE(r.per_lp());
    EXPECT_EQ(r.lp_to(0, 1), ps(15));
    EXPECT_EQ(r.lp_to(1, 1), ps(10));
    EXPECT_EQ(r.lp_to(2, 1), ps(5));
    EXPECT_EQ(r.lp_to(0, 0), ps(20));
    EXPECT_EQ(r.lp_to(1, 0), ps(15));
    EXPECT_EQ(r.lp_to(2, 0), ps(10));
    // Rank 1 has one LP: its per-LP delays are the rank's, so there is nothing to refine.
    const RankReach r1(g, {0, 0, 0, 1}, 2, RankId{1}, ps(5));
    EXPECT_FALSE(r1.per_lp());
    EXPECT_EQ(r1.to(0), ps(5));
}

TEST(RankReach, PerLpChainsMayPassThroughAnotherRank) {
    // 0 -> 1 -> 2 -> 3 (4 ps each) with LPs 0, 3 on rank 0, LP 1 on rank 1, LP 2 on rank 2,
    // and LP 3 -> 0 (4). From LP 0: rank 1 at 4, rank 2 at 8 (through rank 1), home at 12.
    // From LP 3: rank 1 at 8 (3 -> 0 -> 1: it leaves nowhere until LP 1), rank 2 at 12.
    const EdgeGraph g({{0, {1, 4}}, {1, {2, 4}}, {2, {3, 4}}, {3, {0, 4}}});
    const RankReach r(g, {0, 1, 2, 0}, 3, RankId{0}, ps(4));
    ASSERT_TRUE(r.per_lp());
    EXPECT_EQ(r.lp_to(0, 1), ps(4));
    EXPECT_EQ(r.lp_to(0, 2), ps(8));
    EXPECT_EQ(r.lp_to(0, 0), ps(12));
    EXPECT_EQ(r.lp_to(1, 1), ps(8));
    EXPECT_EQ(r.lp_to(1, 2), ps(12));
    EXPECT_EQ(r.lp_to(1, 0), ps(16));
}

TEST(RankReach, ChainsStopAtAnLpThatIgnoresItsInput) {
    // A router (LP 0, rank 0) and replicas LP 1 (rank 0) and LP 2 (rank 1), 7 ps each way
    // between the router and each replica. The router dispatches at trace arrivals whatever
    // the replicas tell it, so nothing rank 1 does comes back to rank 1: D(1, 1) is never
    // (it would be 14 through the router otherwise), D(1, 0) one hop. Rank 0 still hears its
    // own dispatches' answers two hops later, and its replica reaches rank 1 only through the
    // router: never.
    EdgeGraph g({{0, {1, 7}}, {0, {2, 7}}, {1, {0, 7}}, {2, {0, 7}}});
    const std::vector<std::int32_t> owner = {0, 0, 1};
    EXPECT_EQ(RankReach(g, owner, 2, RankId{1}, ps(7)).to(1), ps(14));  // before: relays
    g.quiet_ = {0};
    const RankReach r1(g, owner, 2, RankId{1}, ps(7));
    EXPECT_EQ(r1.to(0), ps(7));
    EXPECT_EQ(r1.to(1), SimTime::max());
    const RankReach r0(g, owner, 2, RankId{0}, ps(7));
    EXPECT_EQ(r0.to(1), ps(7));
    EXPECT_EQ(r0.to(0), ps(14));
    ASSERT_TRUE(r0.per_lp());
    EXPECT_EQ(r0.lp_to(0, 1), ps(7));           // the router itself
    EXPECT_EQ(r0.lp_to(1, 1), SimTime::max());  // the replica: only through the router
    EXPECT_EQ(r0.lp_to(0, 0), ps(14));
}

TEST(RankReach, UniformIsOneLookaheadToEveryOtherRankAndTwoBack) {
    const RankReach r = RankReach::uniform(3, RankId{1}, ps(4));
    EXPECT_EQ(r.to(0), ps(4));
    EXPECT_EQ(r.to(2), ps(4));
    EXPECT_EQ(r.to(1), ps(8));
    EXPECT_EQ(RankReach::uniform(1, RankId{0}, ps(4)).to(0), SimTime::max());
}

struct Tick {
    static constexpr std::uint16_t kKind = 5;
    std::uint32_t n = 0;
};

/// LP i ticks itself at 0, 10, 20, 30, 40 ps.
class Ticker final : public LogicalProcess {
public:
    void on_start(Context& ctx) override { ctx.send(ctx.self(), ps(0), Tick{0}); }

    void on_event(const Event& ev, Context& ctx) override {
        const auto n = ev.as<Tick>().n;
        if (n < 4) {
            ctx.send(ctx.self(), ps(10), Tick{n + 1});
        }
    }
};

TEST(Simulation, RanksThatCannotReachEachOtherRunInOneRound) {
    // 4 tickers on 2 ranks, lookahead 1 ps. Without a graph every rank may hear from the other
    // one lookahead after its earliest event, so each tick time (0, 10, ..., 40) is a round of
    // its own: 5 rounds. With a graph that has no edges, no rank can ever hear from another:
    // one round runs everything. The results are the same.
    SimulationSpec spec;
    spec.lookahead = ps(1);
    const auto make = [](LpId) { return std::make_unique<Ticker>(); };
    const EdgeGraph none({});
    const auto blind = run_loopback(2, spec, BlockPartitioner{}, 4, make);
    const auto aware = run_loopback(2, spec, BlockPartitioner{}, 4, make, {}, &none);
    for (int r = 0; r < 2; ++r) {
        const auto& b = blind[static_cast<std::size_t>(r)];
        const auto& a = aware[static_cast<std::size_t>(r)];
        ASSERT_FALSE(b.error);
        ASSERT_FALSE(a.error);
        EXPECT_EQ(b.stats.rounds, 5U);
        EXPECT_EQ(a.stats.rounds, 1U);
        EXPECT_EQ(a.stats.global_events, 20U);
        EXPECT_EQ(a.stats.fingerprint, b.stats.fingerprint);
        EXPECT_EQ(a.stats.last_event_time, ps(40));
    }
}

/// LP 0 sends one event to LP 1 at delay 3 ps; the graph promised at least 5.
class EarlySender final : public LogicalProcess {
public:
    void on_start(Context& ctx) override {
        if (to_underlying(ctx.self()) == 0) {
            ctx.send(LpId{1}, ps(3), Tick{});
        }
    }

    void on_event(const Event& /*ev*/, Context& /*ctx*/) override {}
};

TEST(Simulation, ASendFasterThanTheDelayGraphFailsEveryRank) {
    SimulationSpec spec;
    spec.lookahead = ps(1);
    const EdgeGraph g({{0, {1, 5}}});
    const auto results = run_loopback(
        2, spec, BlockPartitioner{}, 2, [](LpId) { return std::make_unique<EarlySender>(); }, {},
        &g);
    for (const auto& r : results) {
        ASSERT_TRUE(r.error);
        try {
            std::rethrow_exception(r.error);
        } catch (const InternalError& e) {
            EXPECT_NE(std::string(e.what()).find("breaks the delay graph"), std::string::npos)
                << e.what();
        }
    }
}

/// LP 0 pokes LP 1 after 5 ps (though its graph edge promises 100); LP 1 passes it on to
/// LP 2 after 5 ps; LP 2 ticks itself every 10 ps up to 200 ps.
class HastyChain final : public LogicalProcess {
public:
    void on_start(Context& ctx) override {
        if (to_underlying(ctx.self()) != 1) {
            ctx.send(ctx.self(), ps(0), Tick{0});
        }
    }

    void on_event(const Event& ev, Context& ctx) override {
        const std::uint32_t me = to_underlying(ctx.self());
        if (me == 0) {
            ctx.send(LpId{1}, ps(5), Tick{});
        } else if (me == 1) {
            ctx.send(LpId{2}, ps(5), Tick{});
        } else if (ev.src == ctx.self() && ev.as<Tick>().n < 20) {
            ctx.send(ctx.self(), ps(10), Tick{ev.as<Tick>().n + 1});
        }
    }
};

TEST(Simulation, AnEventInARanksPastFailsEveryRank) {
    // LPs 0, 1 on rank 0, LP 2 on rank 1. The graph says 0 -> 1 takes 100 ps, so LP 0's event
    // at 0 bounds rank 1 at 0 + 100 + 5 and rank 1 runs its ticks to 105 ps; the local send
    // that breaks the graph (5 ps, not checked between LPs of one rank) brings LP 2 an event
    // at 10 ps, in its past. The ranks must stop with an error, not run on with wrong results.
    SimulationSpec spec;
    spec.lookahead = ps(5);
    const EdgeGraph g({{0, {1, 100}}, {1, {2, 5}}});
    const auto results = run_loopback(
        2, spec, BlockPartitioner{}, 3, [](LpId) { return std::make_unique<HastyChain>(); }, {},
        &g);
    for (const auto& r : results) {
        ASSERT_TRUE(r.error);
        try {
            std::rethrow_exception(r.error);
        } catch (const InternalError& e) {
            EXPECT_NE(std::string(e.what()).find("arrived after rank 1 ran to"), std::string::npos)
                << e.what();
        }
    }
}

}  // namespace
}  // namespace ltdes::des
