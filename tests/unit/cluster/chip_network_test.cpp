// SPDX-License-Identifier: MIT
// Links and receive ports under contention, through replay_collective (the same ChipNetwork
// rules the chip LPs use), against hand-worked times.
#include "ltdes/cluster/chip_network.hpp"

#include "ltdes/cluster/collective.hpp"
#include "ltdes/cluster/network_replay.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace ltdes::cluster {
namespace {

constexpr std::int64_t kHop = 104900;  // 100 ns + 1 m of fibre

ClusterSpec spec_of(TopologyKind kind) {
    ClusterSpec s;
    s.topology = kind;
    return s;
}

/// One step of unicasts (src → dst, bytes), members = chips 0..chips-1.
CollectiveCost one_step(
    const Topology& t,
    const std::vector<std::tuple<std::uint32_t, std::uint32_t, std::uint64_t>>& msgs) {
    std::vector<std::uint32_t> group;
    for (std::uint32_t c = 0; c < t.chips(); ++c) {
        group.push_back(c);
    }
    std::vector<CollectiveMessage> schedule;
    for (const auto& [src, dst, bytes] : msgs) {
        schedule.push_back({0, src, dst, 0, bytes, false, 0});
    }
    return replay_collective(t, group, schedule);
}

TEST(ChipNetwork, IdleMultiHopRouteIsCutThrough) {
    const Topology t(spec_of(TopologyKind::ring), 8);
    // 0 → 3: three hops, the 1000 B body (4000 ps) pipelined behind the head.
    EXPECT_EQ(one_step(t, {{0, 3, 1000}}).time, SimTime::from_ps(3 * kHop + 4000));
}

TEST(ChipNetwork, AMessagePassingThroughWaitsForTheIntermediateLink) {
    const Topology t(spec_of(TopologyKind::ring), 8);
    // Chip 1 sends 100 000 B to chip 2 (400 000 ps on link 1→2) at 0. Chip 0's 1000 B for chip
    // 2 reach chip 1 at 104 900 ps, wait there for link 1→2 until 400 000 ps and arrive at
    // 400 000 + 104 900 + 4000 = 508 900 ps (idle route: 213 800 ps).
    EXPECT_EQ(one_step(t, {{0, 2, 1000}, {1, 2, 100000}}).time, SimTime::from_ps(508900));
    EXPECT_EQ(one_step(t, {{0, 2, 1000}}).time, SimTime::from_ps(2 * kHop + 4000));
}

TEST(ChipNetwork, TheReceivePortTakesOneMessageAtATime) {
    const Topology t(spec_of(TopologyKind::fully_connected), 4);
    // Chips 1, 2, 3 each send 1000 B to chip 0 on their own links: all tails arrive at
    // 104 900 + 4000 ps; the port takes them in one by one, the last at 104 900 + 3 · 4000.
    EXPECT_EQ(one_step(t, {{1, 0, 1000}, {2, 0, 1000}, {3, 0, 1000}}).time,
              SimTime::from_ps(kHop + 3 * 4000));
    // Chip 0 sending to 1, 2, 3 uses three links: no queue.
    EXPECT_EQ(one_step(t, {{0, 1, 1000}, {0, 2, 1000}, {0, 3, 1000}}).time,
              SimTime::from_ps(kHop + 4000));
}

TEST(ChipNetwork, SwitchQueuesAtTheSendersPortAndAtTheReceiversPort) {
    const Topology t(spec_of(TopologyKind::star_switch), 4);
    const std::int64_t hop = 309800;
    // One sender, three receivers: its one port serialises, the last leaves at 8000 ps.
    EXPECT_EQ(one_step(t, {{0, 1, 1000}, {0, 2, 1000}, {0, 3, 1000}}).time,
              SimTime::from_ps(hop + 3 * 4000));
    // Three senders, one receiver: the switch's port towards it serialises.
    EXPECT_EQ(one_step(t, {{1, 0, 1000}, {2, 0, 1000}, {3, 0, 1000}}).time,
              SimTime::from_ps(hop + 3 * 4000));
    // Disjoint pairs do not meet.
    EXPECT_EQ(one_step(t, {{0, 1, 1000}, {2, 3, 1000}}).time, SimTime::from_ps(hop + 4000));
}

TEST(ChipNetwork, BusChannelsAreOnePerSender) {
    const Topology t(spec_of(TopologyKind::bus), 4);
    // Two messages of one sender share its wavelength group; two senders do not.
    EXPECT_EQ(one_step(t, {{0, 1, 1000}, {0, 2, 1000}}).time, SimTime::from_ps(kHop + 8000));
    EXPECT_EQ(one_step(t, {{0, 1, 1000}, {2, 1, 1000}}).time, SimTime::from_ps(kHop + 4000));
}

// The worked case of docs/cluster.md ("Links"): 16 chips, a bus per tensor group of 4.
TEST(ChipNetwork, BusPerTpChannelQueuesItsOwnSenderOnly) {
    ClusterSpec spec = spec_of(TopologyKind::bus_per_tp);
    const Topology t(spec, 16, 4);
    NetworkReplay net(t);
    const std::vector<Transfer> moves = {
        {4, 7, 100000, {}}, {4, 5, 1000, {}}, {6, 7, 1000, {}}, {3, 8, 1000, {}}};
    const std::vector<SimTime> at = net.transfers(moves);
    // 100 000 B hold chip 4's channel for 400 000 ps; its 1000 B for chip 5 leave after them.
    EXPECT_EQ(at[0], SimTime::from_ps(400000 + kHop));
    EXPECT_EQ(at[1], SimTime::from_ps(400000 + 4000 + kHop));
    // Chip 6 has a channel of its own and chip 7 no port to queue at.
    EXPECT_EQ(at[2], SimTime::from_ps(4000 + kHop));
    // 3 → 8 crosses groups: five idle ring links.
    EXPECT_EQ(at[3], SimTime::from_ps(5 * kHop + 4000));
    // E(1) = 5 pJ/bit on a bus, 5 pJ/bit per ring link crossed.
    EXPECT_DOUBLE_EQ(net.energy_pj(), 102000 * 8.0 * 5.0 + 8000.0 * 5.0 * 5);

    // /links books the bus traffic on the sender's channel, node 16 + group 1.
    ChipNetwork four(t, 4);
    EXPECT_EQ(four.send_bus(100000, 1, SimTime::zero()), SimTime::zero());
    EXPECT_EQ(four.send_bus(1000, 3, SimTime::zero()), SimTime::from_ps(400000));
    const auto links = four.links();
    ASSERT_EQ(links.size(), 3U);  // ring links to 3 and 5, then the bus channel
    EXPECT_EQ(links[2].from, 4U);
    EXPECT_EQ(links[2].to, 17U);
    EXPECT_EQ(links[2].bytes, 101000U);
    EXPECT_EQ(links[2].busy_ps, 404000);
    EXPECT_DOUBLE_EQ(links[2].energy_pj, 800000.0 * 5.0 + 8000.0 * t.bus_energy_pj_per_bit(3));
    EXPECT_EQ(links[0].bytes + links[1].bytes, 0U);
}

TEST(ChipNetwork, LinkUseCountsBytesBusyTimeAndEnergyPerLink) {
    const Topology t(spec_of(TopologyKind::star_switch), 4);
    ChipNetwork a(t, 0);
    ChipNetwork b(t, 1);
    const ChipNetwork::Hop h = a.send(1, 1000, SimTime::zero());
    EXPECT_EQ(h.to, 1U);
    EXPECT_EQ(h.delay, SimTime::from_ps(309800 + 4000));
    EXPECT_EQ(b.receive(1000, h.delay), h.delay);
    const auto up = a.links();  // 0 → switch, and the switch's port towards 0 (unused)
    ASSERT_EQ(up.size(), 2U);
    EXPECT_EQ(up[0].to, 4U);
    EXPECT_EQ(up[0].bytes, 1000U);
    EXPECT_EQ(up[0].busy_ps, 4000);
    EXPECT_DOUBLE_EQ(up[0].energy_pj, 8000.0 * (5.0 + 10.0));  // first link + the switch
    const auto down = b.links();
    EXPECT_EQ(down[1].from, 4U);
    EXPECT_EQ(down[1].to, 1U);
    EXPECT_DOUBLE_EQ(down[1].energy_pj, 8000.0 * 5.0);  // second link
}

}  // namespace
}  // namespace ltdes::cluster
