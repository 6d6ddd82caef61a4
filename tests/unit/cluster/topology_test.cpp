// SPDX-License-Identifier: MIT
#include "ltdes/cluster/topology.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace ltdes::cluster {
namespace {

TEST(Topology, DefaultRingHopIsLatencyPlusOneMetreOfFibre) {
    const Topology t(ClusterSpec{}, 64);
    EXPECT_EQ(t.hop_latency(), SimTime::from_ps(104900));  // 100 ns + 1 m · 4.9 ns/m
    EXPECT_EQ(t.lookahead(), SimTime::from_ps(104900));
    EXPECT_DOUBLE_EQ(t.bandwidth_bps(), 2e12);
}

TEST(Topology, BusHopGoesStraightFromSenderToReader) {
    ClusterSpec s;
    s.topology = TopologyKind::bus;
    const Topology t(s, 8);
    EXPECT_EQ(t.bus_latency(), SimTime::from_ps(104900));  // bcast.latency_ns + 1 m of fibre
    EXPECT_EQ(t.lookahead(), SimTime::from_ps(104900));
    EXPECT_EQ(t.hop_latency(), SimTime::from_ps(104900));
    EXPECT_EQ(t.hops(0, 7), 1U);
    EXPECT_EQ(t.next_hop(0, 7), 7U);
    EXPECT_TRUE(t.on_bus(0, 7));
    EXPECT_EQ(t.out_links(3), std::vector<std::uint32_t>{8U});  // its channel on the one bus
}

TEST(Topology, BusPerTpPutsEachTensorGroupOnItsBusAndTheRestOnTheRing) {
    ClusterSpec s;
    s.topology = TopologyKind::bus_per_tp;
    s.bcast.latency_ns = 50.0;  // unlike the link, to tell the two apart
    s.bcast.bandwidth_gbps = 1000.0;
    const Topology t(s, 16, 4);  // groups {0..3}, {4..7}, {8..11}, {12..15}
    EXPECT_TRUE(t.has_bus());
    EXPECT_TRUE(t.on_bus(4, 7));
    EXPECT_FALSE(t.on_bus(3, 4));   // neighbours on the ring, different groups
    EXPECT_EQ(t.bus_node(6), 17U);  // 16 + group 1
    // Inside a group: one bus hop of 50 ns + 4.9 ns fibre, 1000 B at 1 Tb/s = 8000 ps.
    EXPECT_EQ(t.hops(4, 7), 1U);
    EXPECT_EQ(t.route(4, 7), std::vector<std::uint32_t>{7U});
    EXPECT_EQ(t.transfer_time(4, 7, 1000), SimTime::from_ps(54900 + 8000));
    EXPECT_DOUBLE_EQ(t.transfer_energy_pj(4, 7, 1000), 8000.0 * 5.0);  // E(1) = 2 + 2 + 1
    // Between groups: the ring, 3 → 8 is 5 links of 104.9 ns, 1000 B at 2 Tb/s = 4000 ps.
    EXPECT_EQ(t.hops(3, 8), 5U);
    EXPECT_EQ(t.route(3, 8), (std::vector<std::uint32_t>{4U, 5U, 6U, 7U, 8U}));
    // A ring message passing through a group stays on the ring (only its sender picks a bus).
    EXPECT_EQ(t.next_hop(5, 4), 4U);
    EXPECT_EQ(t.next_hop(7, 4), 6U);
    EXPECT_EQ(t.transfer_time(3, 8, 1000), SimTime::from_ps(5 * 104900 + 4000));
    EXPECT_DOUBLE_EQ(t.transfer_energy_pj(3, 8, 1000), 8000.0 * 5.0 * 5);
    // 5's ring links, then its bus channel; the lookahead is the shorter hop.
    EXPECT_EQ(t.out_links(5), (std::vector<std::uint32_t>{4U, 6U, 17U}));
    EXPECT_EQ(t.lookahead(), SimTime::from_ps(54900));
}

TEST(Topology, BusPerTpKeepsGroupsBeyondTheReaderBudgetOnTheRing) {
    ClusterSpec s;
    s.topology = TopologyKind::bus_per_tp;
    s.bcast.max_readers = 2;  // a group of 4 would broadcast to 3
    const Topology t(s, 8, 4);
    EXPECT_FALSE(t.has_bus());
    EXPECT_FALSE(t.on_bus(0, 3));
    EXPECT_EQ(t.hops(0, 3), 3U);
    EXPECT_EQ(t.out_links(0), (std::vector<std::uint32_t>{1U, 7U}));
    EXPECT_FALSE(Topology(s, 8, 1).has_bus());  // tp 1: no tensor groups, a plain ring
}

TEST(Topology, SerializationRoundsUpToPicoseconds) {
    const Topology t(ClusterSpec{}, 4);
    EXPECT_EQ(t.serialization(384), SimTime::from_ps(1536));  // 3072 bit / 2 Tb/s
    EXPECT_EQ(t.serialization(1), SimTime::from_ps(4));
    EXPECT_EQ(t.serialization(0), SimTime::zero());
    ClusterSpec s;
    s.link.bandwidth_gbps = 3000;
    EXPECT_EQ(Topology(s, 4).serialization(1), SimTime::from_ps(3));  // 2.67 ps → 3
}

TEST(Topology, RingTakesTheShorterWay) {
    const Topology t(ClusterSpec{}, 64);
    EXPECT_EQ(t.hops(0, 1), 1U);
    EXPECT_EQ(t.hops(0, 63), 1U);
    EXPECT_EQ(t.hops(3, 0), 3U);
    EXPECT_EQ(t.hops(0, 32), 32U);
    EXPECT_EQ(t.hops(5, 5), 0U);
    ClusterSpec fc;
    fc.topology = TopologyKind::fully_connected;
    EXPECT_EQ(Topology(fc, 64).hops(0, 32), 1U);
}

TEST(Topology, PointToPointTimeAndEnergy) {
    const Topology t(ClusterSpec{}, 64);
    // 0 → 2: two hops of 104.9 ns, then 1000 B at 2 Tb/s = 4 ns.
    EXPECT_EQ(t.transfer_time(0, 2, 1000), SimTime::from_ps(2 * 104900 + 4000));
    EXPECT_DOUBLE_EQ(t.transfer_energy_pj(0, 2, 1000), 8000.0 * 5.0 * 2);
    EXPECT_EQ(t.transfer_time(2, 2, 1000), SimTime::zero());
}

TEST(Topology, BusEnergyPerSourceBitFollowsTheLinkBudget) {
    ClusterSpec s;
    s.topology = TopologyKind::bus;
    const Topology t(s, 17);
    // E(N) = 2 + N·(2 + 1·10^(0.1·log2 N / 10)); values of docs/cluster.md
    EXPECT_DOUBLE_EQ(t.bus_energy_pj_per_bit(1), 5.0);
    EXPECT_NEAR(t.bus_energy_pj_per_bit(4), 14.188514192203598, 1e-12);
    EXPECT_NEAR(t.bus_energy_pj_per_bit(16), 51.54365113829096, 1e-12);
    EXPECT_DOUBLE_EQ(t.transfer_energy_pj(0, 3, 10), 80.0 * 5.0);
}

}  // namespace
}  // namespace ltdes::cluster

namespace ltdes::cluster {
namespace {

ClusterSpec spec_of(TopologyKind kind) {
    ClusterSpec s;
    s.topology = kind;
    return s;
}

TEST(Topology, TorusIsMostSquareAndRoutesXThenY) {
    EXPECT_EQ(Topology::torus_columns(64, 0), 8U);
    EXPECT_EQ(Topology::torus_columns(8, 0), 4U);
    EXPECT_EQ(Topology::torus_columns(7, 0), 7U);  // a prime: one row, i.e. a ring
    EXPECT_EQ(Topology::torus_columns(12, 6), 6U);
    const Topology t(spec_of(TopologyKind::torus), 16);  // 4 × 4
    // 0 = (0,0) → 10 = (2,2): two X hops along row 0, then two Y hops down column 2.
    EXPECT_EQ(t.route(0, 10), (std::vector<std::uint32_t>{1, 2, 6, 10}));
    EXPECT_EQ(t.hops(0, 10), 4U);
    // 0 → 3 wraps: (0,0) → (3,0) is one hop the short way.
    EXPECT_EQ(t.route(0, 3), (std::vector<std::uint32_t>{3}));
    EXPECT_EQ(t.out_links(5), (std::vector<std::uint32_t>{1, 4, 6, 9}));
    // Idle: 4 hops of 104.9 ns, then 1000 B at 2 Tb/s (4 ns) pipelined behind the head.
    EXPECT_EQ(t.transfer_time(0, 10, 1000), SimTime::from_ps(4 * 104900 + 4000));
    EXPECT_DOUBLE_EQ(t.transfer_energy_pj(0, 10, 1000), 8000.0 * 5.0 * 4);
}

TEST(Topology, SwitchHopIsTwoLinksAndTheSwitch) {
    const Topology t(spec_of(TopologyKind::star_switch), 8);
    // 2 × (100 ns + 4.9 ns of fibre) + 100 ns in the switch.
    EXPECT_EQ(t.hop_latency(), SimTime::from_ps(309800));
    EXPECT_EQ(t.lookahead(), SimTime::from_ps(309800));
    EXPECT_EQ(t.hops(0, 7), 1U);
    EXPECT_EQ(t.out_links(3), (std::vector<std::uint32_t>{8}));  // the switch node
    EXPECT_EQ(t.transfer_time(0, 7, 1000), SimTime::from_ps(309800 + 4000));
    // Two links at 5 pJ/bit and the switch at 10 pJ/bit.
    EXPECT_DOUBLE_EQ(t.transfer_energy_pj(0, 7, 1000), 8000.0 * 20.0);
}

TEST(Topology, FullyConnectedHasALinkToEveryOtherChip) {
    const Topology t(spec_of(TopologyKind::fully_connected), 4);
    EXPECT_EQ(t.out_links(2), (std::vector<std::uint32_t>{0, 1, 3}));
    EXPECT_EQ(t.route(2, 0), (std::vector<std::uint32_t>{0}));
    EXPECT_EQ(t.transfer_time(2, 0, 1000), SimTime::from_ps(104900 + 4000));
}

}  // namespace
}  // namespace ltdes::cluster
