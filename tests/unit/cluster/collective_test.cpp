// SPDX-License-Identifier: MIT
#include "ltdes/cluster/collective.hpp"

#include <gtest/gtest.h>

#include <array>
#include <vector>

namespace ltdes::cluster {
namespace {

ClusterSpec no_fibre(TopologyKind kind) {
    ClusterSpec s;
    s.topology = kind;
    s.link.fiber_m = 0.0;
    return s;
}

TEST(Collective, ChunksSplitEvenly) {
    EXPECT_EQ(chunk_bytes(10, 4, 0), 3U);
    EXPECT_EQ(chunk_bytes(10, 4, 1), 3U);
    EXPECT_EQ(chunk_bytes(10, 4, 2), 2U);
    EXPECT_EQ(chunk_bytes(10, 4, 3), 2U);
}

TEST(Collective, RingScheduleLeavesEveryChunkFullyReducedEverywhere) {
    for (std::uint32_t p : {2U, 3U, 4U, 7U}) {
        const auto sched = ring_all_reduce_schedule(1000, p);
        EXPECT_EQ(sched.size(), std::size_t{2} * (p - 1) * p);
        // have[i][c]: bit set of the members whose contribution chunk c on member i holds.
        std::vector<std::vector<std::uint32_t>> have(p, std::vector<std::uint32_t>(p));
        for (std::uint32_t i = 0; i < p; ++i) {
            for (std::uint32_t c = 0; c < p; ++c) {
                have[i][c] = 1U << i;
            }
        }
        for (std::uint32_t step = 0; step < 2 * (p - 1); ++step) {
            const auto before = have;
            for (const auto& m : sched) {
                if (m.step != step) {
                    continue;
                }
                EXPECT_EQ(m.dst, (m.src + 1) % p);
                if (step < p - 1) {
                    have[m.dst][m.chunk] |= before[m.src][m.chunk];  // reduce
                } else {
                    have[m.dst][m.chunk] = before[m.src][m.chunk];  // gather
                }
            }
        }
        for (std::uint32_t i = 0; i < p; ++i) {
            for (std::uint32_t c = 0; c < p; ++c) {
                EXPECT_EQ(have[i][c], (1U << p) - 1) << "p " << p << " member " << i;
            }
        }
    }
}

TEST(Collective, Gpt2DecodeAllReduceOnTp4RingIsClusterParamsWorkedCheck) {
    // docs/cluster.md: S = 768 · 2 B = 1536 B on tp 4 with 100 ns hops:
    // 6 × (100 ns + 384 B / 250 GB/s) = 6 × 101.536 ns = 609.216 ns ≈ 0.61 µs.
    const Topology t(no_fibre(TopologyKind::ring), 4);
    const std::array<std::uint32_t, 4> group = {0, 1, 2, 3};
    const CollectiveCost c = all_reduce_cost(t, group, 1536);
    EXPECT_EQ(c.steps, 6U);
    EXPECT_EQ(c.time, SimTime::from_ps(609216));
    // Every step moves the 4 chunks of 384 B one hop at 5 pJ/bit.
    EXPECT_DOUBLE_EQ(c.energy_pj, 6.0 * 1536 * 8 * 5.0);
    EXPECT_EQ(c.bytes_sent, 6U * 1536U);
}

TEST(Collective, DefaultFibreAddsToEveryStep) {
    const Topology t(ClusterSpec{}, 4);
    const std::array<std::uint32_t, 4> group = {0, 1, 2, 3};
    EXPECT_EQ(all_reduce_cost(t, group, 1536).time, SimTime::from_ps(6 * (104900 + 1536)));
}

TEST(Collective, ATensorGroupOnALargeRingWaitsForItsWrapAround) {
    // Chips 0-3 of a 64-chip ring: the 3 → 0 message crosses 3 links, so each step lasts
    // 3 hops + one chunk; energy counts every link crossed (1+1+1+3 per step).
    const Topology t(ClusterSpec{}, 64);
    const std::array<std::uint32_t, 4> group = {0, 1, 2, 3};
    const CollectiveCost c = all_reduce_cost(t, group, 1536);
    EXPECT_EQ(c.time, SimTime::from_ps(6 * (3 * 104900 + 1536)));
    EXPECT_DOUBLE_EQ(c.energy_pj, 6.0 * (1 + 1 + 1 + 3) * 384 * 8 * 5.0);
}

TEST(Collective, BusAllReduceIsDirectScatterThenOneBroadcast) {
    const Topology t(no_fibre(TopologyKind::bus), 4);
    const std::array<std::uint32_t, 4> group = {0, 1, 2, 3};
    const CollectiveCost c = all_reduce_cost(t, group, 1536);
    EXPECT_EQ(c.steps, 2U);
    // Step 0: each sender puts 3 chunks of 384 B on its channel: 100 ns + 3 · 1.536 ns.
    // Step 1: each broadcasts its reduced chunk once: 100 ns + 1.536 ns.
    EXPECT_EQ(c.time, SimTime::from_ps(100000 + 3 * 1536 + 100000 + 1536));
    // 12 unicasts at E(1) = 5 pJ/bit, 4 broadcasts to 3 readers at E(3) = 11.1115... pJ/bit.
    EXPECT_NEAR(c.energy_pj, 12.0 * 3072 * 5.0 + 4.0 * 3072 * 11.111507697587099, 1e-6);
    EXPECT_EQ(c.bytes_sent, 12U * 384U + 4U * 384U);
}

TEST(Collective, OneMemberHasNothingToDo) {
    const Topology t(ClusterSpec{}, 4);
    const std::array<std::uint32_t, 1> group = {2};
    const CollectiveCost c = all_reduce_cost(t, group, 1536);
    EXPECT_EQ(c.steps, 0U);
    EXPECT_EQ(c.time, SimTime::zero());
    EXPECT_EQ(c.energy_pj, 0.0);
}

TEST(Collective, PipelineTransferToTheNextStage) {
    // tp 4: stage s+1 of the same tensor rank is 4 chip ids away: 4 ring hops.
    const Topology t(ClusterSpec{}, 64);
    const CollectiveCost c = p2p_cost(t, 1, 5, 2048 * 768 / 2);
    EXPECT_EQ(c.time, SimTime::from_ps(4 * 104900 + 786432 * 8 / 2));
    EXPECT_DOUBLE_EQ(c.energy_pj, 786432.0 * 8 * 5.0 * 4);
}

}  // namespace
}  // namespace ltdes::cluster
