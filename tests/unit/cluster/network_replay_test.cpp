// SPDX-License-Identifier: MIT
// NetworkReplay: staggered starts, links that keep their state between calls, and the
// periodicity helpers (state, shift), against hand-worked times. Default links: 104 900 ps per
// hop (100 ns + 1 m of fibre), 1000 B take 4000 ps at 2000 Gb/s.
#include "ltdes/cluster/network_replay.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace ltdes::cluster {
namespace {

constexpr std::int64_t kHop = 104900;

ClusterSpec spec_of(TopologyKind kind) {
    ClusterSpec s;
    s.topology = kind;
    return s;
}

SimTime ps(std::int64_t v) {
    return SimTime::from_ps(v);
}

TEST(NetworkReplay, TransfersShareTheLinksOfTheirRoutes) {
    const Topology t(spec_of(TopologyKind::ring), 8);
    NetworkReplay net(t);
    // The worked case of docs/cluster.md: chip 1's 100 000 B hold link 1→2 for 400 000 ps from
    // 0; chip 0's 1000 B reach chip 1 at 104 900, leave at 400 000 and arrive at 508 900. The
    // big one's tail arrives at 104 900 + 400 000 = 504 900 and the port is free then.
    const std::vector<Transfer> moves = {{0, 2, 1000, {}}, {1, 2, 100000, {}}};
    const std::vector<SimTime> at = net.transfers(moves);
    EXPECT_EQ(at[0], ps(508900));
    EXPECT_EQ(at[1], ps(kHop + 400000));
    EXPECT_DOUBLE_EQ(net.energy_pj(), (2 * 1000 + 100000) * 8.0 * 5.0);  // 3 link crossings
    // The links remember: a second 1000 B from 1 at 300 000 waits for link 1→2 (free at
    // 404 000 after both) and arrives at 404 000 + 104 900 + 4000.
    const std::vector<Transfer> later = {{1, 2, 1000, ps(300000)}};
    EXPECT_EQ(net.transfers(later)[0], ps(404000 + kHop + 4000));
}

TEST(NetworkReplay, CollectiveFromStaggeredStarts) {
    const Topology t(spec_of(TopologyKind::fully_connected), 2);
    NetworkReplay net(t);
    const std::vector<std::uint32_t> group = {0, 1};
    // Ring all-reduce of 2000 B over 2 members: step 0 each sends its 1000 B chunk, step 1 the
    // reduced one. Member 0 ready at 0, member 1 at 50 000: 0 → 1 arrives at 108 900; member 1
    // sends step 0 at 50 000 (arrives at 158 900) and step 1 at 108 900 (arrives at 217 800);
    // member 0 sends step 1 at 158 900, arriving at 267 800.
    const auto schedule = ring_all_reduce_schedule(2000, 2);
    const std::vector<SimTime> ready = {ps(0), ps(50000)};
    const std::vector<SimTime> done = net.collective(group, schedule, ready);
    EXPECT_EQ(done[0], ps(217800));
    EXPECT_EQ(done[1], ps(267800));
    // Idle, both at 0: two steps of 108 900 each (replay_collective agrees).
    NetworkReplay idle(t);
    const std::vector<SimTime> zero(2);
    EXPECT_EQ(idle.collective(group, schedule, zero)[1], ps(2 * (kHop + 4000)));
    EXPECT_EQ(replay_collective(t, group, schedule).time, ps(2 * (kHop + 4000)));
}

TEST(NetworkReplay, StateIsRelativeAndShiftMovesBusyLinks) {
    const Topology t(spec_of(TopologyKind::fully_connected), 2);
    NetworkReplay a(t);
    NetworkReplay b(t);
    // The same 1000 B sent 1 µs apart leave the two networks in states equal relative to their
    // departures; before any send both are "free" (clamped to the origin).
    const std::vector<Transfer> at0 = {{0, 1, 1000, ps(0)}};
    const std::vector<Transfer> at1 = {{0, 1, 1000, ps(1000000)}};
    a.transfers(at0);
    b.transfers(at1);
    EXPECT_EQ(a.state(ps(0)), b.state(ps(1000000)));
    EXPECT_NE(a.state(ps(0)), b.state(ps(0)));
    // Shifting a by 1 µs from 0 makes it b from 1 µs on: link 0→1 busy until 1 004 000, port
    // of chip 1 until 1 108 900.
    EXPECT_NE(a.state(ps(1000000)), b.state(ps(1000000)));
    a.shift(ps(0), ps(1000000));
    EXPECT_EQ(a.state(ps(1000000)), b.state(ps(1000000)));
    const std::vector<Transfer> next = {{0, 1, 1000, ps(1000000)}};
    EXPECT_EQ(a.transfers(next)[0], ps(1004000 + kHop + 4000));
}

}  // namespace
}  // namespace ltdes::cluster
