// SPDX-License-Identifier: MIT
#include "ltdes/cluster/chip_partition.hpp"

#include "unit/cluster/model_fixtures.hpp"

#include "ltdes/core/error.hpp"
#include "ltdes/des/rank_reach.hpp"

#include <gtest/gtest.h>

#include <map>
#include <vector>

namespace ltdes::cluster {
namespace {

using testing::gpt2;
using testing::gpt2_workload;

ClusterSpec explicit_spec(std::uint32_t tp, std::uint32_t pp, std::uint32_t dp) {
    ClusterSpec s;
    s.plan = PlanSpec{false, tp, pp, dp};
    s.chips = tp * pp * dp;
    return s;
}

std::vector<std::int32_t> ranks_of(const des::Partitioner& p, std::uint32_t lps, int ranks) {
    std::vector<std::int32_t> out;
    for (std::uint32_t i = 0; i < lps; ++i) {
        out.push_back(to_underlying(p.rank_of(LpId{i}, lps, ranks)));
    }
    return out;
}

TEST(LocalityPartitioner, KeepsReplicasThenStagesWholeAndCutsChipsLast) {
    // tp 2 x pp 2 x dp 2: chips 0-3 are replica 0 (stage 0: 0, 1; stage 1: 2, 3), 4-7 replica 1.
    const Plan plan(explicit_spec(2, 2, 2), gpt2(), gpt2_workload());
    const LocalityPartitioner p(plan);
    // 2 ranks: one replica each.
    EXPECT_EQ(ranks_of(p, 8, 2), (std::vector<std::int32_t>{0, 0, 0, 0, 1, 1, 1, 1}));
    // 3 ranks > 2 replicas: 4 stages over 3 ranks (2, 1, 1); tensor pairs stay together.
    EXPECT_EQ(ranks_of(p, 8, 3), (std::vector<std::int32_t>{0, 0, 0, 0, 1, 1, 2, 2}));
    // 4 ranks: one stage each.
    EXPECT_EQ(ranks_of(p, 8, 4), (std::vector<std::int32_t>{0, 0, 1, 1, 2, 2, 3, 3}));
    // 8 ranks > 4 stages: one chip each.
    EXPECT_EQ(ranks_of(p, 8, 8), (std::vector<std::int32_t>{0, 1, 2, 3, 4, 5, 6, 7}));
}

TEST(LocalityPartitioner, ParsesTheThreeNames) {
    EXPECT_EQ(parse_partition("locality"), PartitionKind::locality);
    EXPECT_EQ(parse_partition("block"), PartitionKind::block);
    EXPECT_EQ(parse_partition("round_robin"), PartitionKind::round_robin);
    EXPECT_THROW(parse_partition("random"), UsageError);
}

TEST(ChipDelayGraph, RingPeersAndOtherStagesOfTheSameReplicaOnly) {
    // tp 2 x pp 2 x dp 2 on a 8-chip ring. Chip 1 (replica 0, stage 0, tensor rank 1) sends
    // chunks to chip 0 and activations towards chip 3 (stage 1, same tensor rank) via chip 2,
    // and passes on 0 → 2 and 2 → 0: messages go hop by hop, so its targets are its ring
    // neighbours inside the replica, one hop away; nothing to replica 1 (chips 4-7).
    ClusterSpec spec = explicit_spec(2, 2, 2);
    const Plan plan(spec, gpt2(), gpt2_workload());
    const Topology topo(spec, plan.chips());
    const ChipDelayGraph g(plan, topo);
    std::map<std::uint32_t, std::int64_t> seen;
    g.for_each_target(LpId{1}, [&](LpId dst, SimTime d) { seen[to_underlying(dst)] = d.in_ps(); });
    const std::int64_t hop = topo.hop_latency().in_ps();
    EXPECT_EQ(seen, (std::map<std::uint32_t, std::int64_t>{{0, hop}, {2, hop}}));
}

TEST(LocalityPartitioner, Gpt2AtEightRanksEachPipelineTransferCrossesOneBorderOnce) {
    // The gpt2 benchmark shape: tp 4 x pp 4 x dp 4 on the 64-chip ring, 8 ranks. Replica d is
    // chips 16d..16d+15 (stage s: 16d+4s .. 16d+4s+3); the locality partition gives each rank
    // two whole stages, so rank 2d owns 16d..16d+7 and rank 2d+1 owns 16d+8..16d+15: a rank's
    // chips are one arc of the ring. The pipeline's transfers (stage s -> s+1 and the token ids
    // from the last stage back to the first, same tensor rank) therefore enter the other rank
    // once and never pass through a third rank's chips.
    ClusterSpec spec = explicit_spec(4, 4, 4);
    const Plan plan(spec, gpt2(), gpt2_workload());
    const Topology topo(spec, plan.chips());
    const std::vector<std::int32_t> owner = ranks_of(LocalityPartitioner(plan), 64, 8);
    for (std::uint32_t c = 0; c < 64; ++c) {
        ASSERT_EQ(owner[c], static_cast<std::int32_t>(c / 8)) << "chip " << c;
    }
    for (std::uint32_t d = 0; d < 4; ++d) {
        for (std::uint32_t t = 0; t < 4; ++t) {
            for (std::uint32_t s = 0; s < 4; ++s) {
                const std::uint32_t src = plan.chip(ChipCoord{d, s, t});
                const std::uint32_t dst = plan.chip(ChipCoord{d, (s + 1) % 4, t});
                int changes = 0;
                std::int32_t at = owner[src];
                for (const std::uint32_t hop : topo.route(src, dst)) {
                    EXPECT_TRUE(owner[hop] == owner[src] || owner[hop] == owner[dst])
                        << src << " -> " << dst << " passes chip " << hop;
                    changes += owner[hop] != at ? 1 : 0;
                    at = owner[hop];
                }
                EXPECT_EQ(changes, owner[src] == owner[dst] ? 0 : 1) << src << " -> " << dst;
            }
        }
    }
    // What the kernel takes from it: a chain from chip c reaches the other half of its replica
    // only by walking the ring to the border, one hop latency per link. Rank 0 (chips 0-7):
    // 8 - c links to chip 8; rank 1 (chips 8-15): c - 7 links to chip 7. The rank as a whole is
    // one link from the other (its border chip), which is all a bound from the rank's earliest
    // event could use.
    const std::int64_t hop = topo.hop_latency().in_ps();
    const ChipDelayGraph graph(plan, topo);
    const des::RankReach r0(graph, owner, 8, RankId{0}, topo.lookahead());
    const des::RankReach r1(graph, owner, 8, RankId{1}, topo.lookahead());
    EXPECT_EQ(r0.to(1).in_ps(), hop);
    EXPECT_EQ(r0.to(2), SimTime::max());  // replica 1 never hears from replica 0
    ASSERT_TRUE(r0.per_lp());
    ASSERT_TRUE(r1.per_lp());
    for (std::uint32_t i = 0; i < 8; ++i) {
        EXPECT_EQ(r0.lp_to(i, 1).in_ps(), (8 - i) * hop) << "chip " << i;
        EXPECT_EQ(r1.lp_to(i, 0).in_ps(), (i + 1) * hop) << "chip " << 8 + i;
        EXPECT_EQ(r0.lp_to(i, 2), SimTime::max());
    }
}

}  // namespace
}  // namespace ltdes::cluster

namespace ltdes::cluster {
namespace {

TEST(ChipDelayGraph, BusPerTpReachesTheTensorPeerByBusAndTheRestAlongTheRing) {
    // As above on bus_per_tp: chip 1 reaches its tensor peer 0 over their bus, chip 3 via ring
    // link 1 → 2, and passes on 0 → 2 (to 2) and 2 → 0 (to 0, on the ring link: a message
    // that came by ring stays on it). Nothing leaves the replica.
    ClusterSpec spec = explicit_spec(2, 2, 2);
    spec.topology = TopologyKind::bus_per_tp;
    spec.bcast.latency_ns = 50.0;
    const Plan plan(spec, gpt2(), gpt2_workload());
    const Topology topo(spec, plan.chips(), plan.tp());
    const ChipDelayGraph g(plan, topo);
    std::map<std::uint32_t, std::int64_t> seen;
    g.for_each_target(LpId{1}, [&](LpId dst, SimTime d) { seen[to_underlying(dst)] = d.in_ps(); });
    // Every delay is the lookahead: the bus hop (50 ns + 4.9 ns of fibre) < the link hop.
    EXPECT_EQ(seen, (std::map<std::uint32_t, std::int64_t>{{0, 54900}, {2, 54900}}));
}

}  // namespace
}  // namespace ltdes::cluster
