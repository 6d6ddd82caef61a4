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

namespace ltdes::cluster {
namespace {

constexpr std::int64_t kA = 104900;  // one hop: 100 ns + 1 m of fibre

std::vector<std::uint32_t> members(std::uint32_t p) {
    std::vector<std::uint32_t> g;
    for (std::uint32_t i = 0; i < p; ++i) {
        g.push_back(i);
    }
    return g;
}

ClusterSpec kind_spec(TopologyKind kind) {
    ClusterSpec s;
    s.topology = kind;
    return s;
}

SimTime replayed(const Topology& t,
                 const std::vector<CollectiveMessage>& schedule,
                 std::uint32_t p) {
    const auto g = members(p);
    return replay_collective(t, g, schedule).time;
}

// S = 6144 B over p = 4 on a fully connected cluster: S/p = 1536 B = 6144 ps at 2 Tb/s.
TEST(CollectiveClosedForm, RingAllReduceWithAndWithoutChunking) {
    const Topology t(kind_spec(TopologyKind::fully_connected), 4);
    // k = 1: 2(p−1)(α + σ) = 6 × (104 900 + 6144).
    EXPECT_EQ(ring_all_reduce_time(t, 6144, 4, 1), SimTime::from_ps(6 * (kA + 6144)));
    EXPECT_EQ(replayed(t, ring_all_reduce_schedule(6144, 4, 1), 4),
              ring_all_reduce_time(t, 6144, 4, 1));
    // k = 4, σ = 1536 ps: latency-bound, 6 (α + σ) + 3σ.
    EXPECT_EQ(ring_all_reduce_time(t, 6144, 4, 4), SimTime::from_ps(6 * (kA + 1536) + 3 * 1536));
    EXPECT_EQ(replayed(t, ring_all_reduce_schedule(6144, 4, 4), 4),
              ring_all_reduce_time(t, 6144, 4, 4));
    // Bandwidth-bound: 6 MB, k = 8, σ = σ(196 608 B) = 786 432 ps ≫ α: 2(p−1)kσ + α.
    EXPECT_EQ(ring_all_reduce_time(t, 6291456, 4, 8), SimTime::from_ps(48 * 786432 + kA));
    EXPECT_EQ(replayed(t, ring_all_reduce_schedule(6291456, 4, 8), 4),
              ring_all_reduce_time(t, 6291456, 4, 8));
    // A ring of exactly the group behaves like one hop per step too.
    const Topology ring(kind_spec(TopologyKind::ring), 4);
    EXPECT_EQ(replayed(ring, ring_all_reduce_schedule(6144, 4, 4), 4),
              ring_all_reduce_time(ring, 6144, 4, 4));
}

TEST(CollectiveClosedForm, DirectAllReduceOnPortsAndOnTheBus) {
    const Topology fc(kind_spec(TopologyKind::fully_connected), 4);
    // Each step the receive port takes p−1 = 3 chunks: 2 (α + 3σ).
    EXPECT_EQ(direct_all_reduce_time(fc, 6144, 4), SimTime::from_ps(2 * (kA + 3 * 6144)));
    EXPECT_EQ(replayed(fc, direct_all_reduce_schedule(6144, 4, false), 4),
              direct_all_reduce_time(fc, 6144, 4));
    const Topology sw(kind_spec(TopologyKind::star_switch), 4);
    EXPECT_EQ(replayed(sw, direct_all_reduce_schedule(6144, 4, false), 4),
              SimTime::from_ps(2 * (309800 + 3 * 6144)));
    // Bus: 3 unicasts on the own channel, then one broadcast: 2α + 4σ.
    const Topology bus(kind_spec(TopologyKind::bus), 4);
    EXPECT_EQ(direct_all_reduce_time(bus, 6144, 4), SimTime::from_ps(2 * kA + 4 * 6144));
    EXPECT_EQ(replayed(bus, direct_all_reduce_schedule(6144, 4, true), 4),
              direct_all_reduce_time(bus, 6144, 4));
}

TEST(CollectiveClosedForm, HalvingDoublingAllReduce) {
    const Topology fc(kind_spec(TopologyKind::fully_connected), 8);
    // p = 8, S = 12 288 B: halves of 6144, 3072, 1536 B (24 576, 12 288, 6144 ps), twice.
    const std::int64_t expect = 2 * (3 * kA + 24576 + 12288 + 6144);
    EXPECT_EQ(halving_doubling_all_reduce_time(fc, 12288, 8), SimTime::from_ps(expect));
    EXPECT_EQ(replayed(fc, halving_doubling_all_reduce_schedule(12288, 8), 8),
              SimTime::from_ps(expect));
    // Every member sends 2(p−1)/p of the data.
    std::uint64_t sent0 = 0;
    for (const auto& m : halving_doubling_all_reduce_schedule(12288, 8)) {
        sent0 += m.src == 0 ? m.bytes : 0;
    }
    EXPECT_EQ(sent0, 2U * 7U * 12288U / 8U);
}

TEST(CollectiveClosedForm, GatherScatterBroadcastAllToAll) {
    const Topology fc(kind_spec(TopologyKind::fully_connected), 4);
    const Topology bus(kind_spec(TopologyKind::bus), 4);
    // Ring all-gather and reduce-scatter: 3 (α + σ).
    EXPECT_EQ(ring_gather_time(fc, 6144, 4), SimTime::from_ps(3 * (kA + 6144)));
    EXPECT_EQ(replayed(fc, ring_all_gather_schedule(6144, 4), 4), ring_gather_time(fc, 6144, 4));
    EXPECT_EQ(replayed(fc, ring_reduce_scatter_schedule(6144, 4), 4),
              ring_gather_time(fc, 6144, 4));
    // Direct all-gather: the port takes 3 chunks; on the bus each member broadcasts once.
    EXPECT_EQ(direct_gather_time(fc, 6144, 4, false), SimTime::from_ps(kA + 3 * 6144));
    EXPECT_EQ(replayed(fc, direct_all_gather_schedule(6144, 4, false), 4),
              direct_gather_time(fc, 6144, 4, false));
    EXPECT_EQ(direct_gather_time(bus, 6144, 4, true), SimTime::from_ps(kA + 6144));
    EXPECT_EQ(replayed(bus, direct_all_gather_schedule(6144, 4, true), 4),
              direct_gather_time(bus, 6144, 4, true));
    EXPECT_EQ(replayed(fc, direct_reduce_scatter_schedule(6144, 4), 4),
              direct_gather_time(fc, 6144, 4, false));
    EXPECT_EQ(replayed(bus, all_to_all_schedule(6144, 4), 4),
              direct_gather_time(bus, 6144, 4, false));
    EXPECT_EQ(replayed(fc, all_to_all_schedule(6144, 4), 4),
              direct_gather_time(fc, 6144, 4, false));
    // Broadcast of 6144 B (24 576 ps): one bus transmission, or a chain of 3 links with 4
    // lanes of 6144 ps: 3 (α + 6144) + 3 · 6144.
    EXPECT_EQ(broadcast_time(bus, 6144, 4, true, 1), SimTime::from_ps(kA + 24576));
    EXPECT_EQ(replayed(bus, broadcast_schedule(6144, 4, true, 1), 4),
              broadcast_time(bus, 6144, 4, true, 1));
    EXPECT_EQ(broadcast_time(fc, 6144, 4, false, 4), SimTime::from_ps(3 * (kA + 6144) + 3 * 6144));
    EXPECT_EQ(replayed(fc, broadcast_schedule(6144, 4, false, 4), 4),
              broadcast_time(fc, 6144, 4, false, 4));
}

TEST(CollectiveClosedForm, BusBroadcastEnergyUsesTheSplitterBudget) {
    const Topology bus(kind_spec(TopologyKind::bus), 4);
    const auto g = members(4);
    const auto sched = broadcast_schedule(1000, 4, true, 1);
    // One transmission of 8000 bits read by 3 readers at E(3) pJ/bit.
    EXPECT_NEAR(replay_collective(bus, g, sched).energy_pj, 8000.0 * 11.111507697587099, 1e-6);
}

TEST(CollectiveSchedules, HalvingDoublingLeavesEveryChunkFullyReduced) {
    for (const std::uint32_t p : {2U, 4U, 8U, 16U}) {
        // have[i][c]: members whose contribution chunk c on member i holds (bit set).
        std::vector<std::vector<std::uint32_t>> have(p, std::vector<std::uint32_t>(p));
        for (std::uint32_t i = 0; i < p; ++i) {
            for (std::uint32_t c = 0; c < p; ++c) {
                have[i][c] = 1U << i;
            }
        }
        const auto sched = halving_doubling_all_reduce_schedule(std::uint64_t{p} * 10, p);
        std::uint32_t levels = 0;
        while ((1U << levels) < p) {
            ++levels;
        }
        for (std::uint32_t step = 0; step < 2 * levels; ++step) {
            const auto before = have;
            for (const auto& m : sched) {
                if (m.step != step) {
                    continue;
                }
                const std::uint32_t width = static_cast<std::uint32_t>(m.bytes / 10);
                for (std::uint32_t c = m.chunk; c < m.chunk + width; ++c) {
                    if (step < levels) {
                        have[m.dst][c] |= before[m.src][c];
                    } else {
                        have[m.dst][c] = before[m.src][c];
                    }
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

}  // namespace
}  // namespace ltdes::cluster
