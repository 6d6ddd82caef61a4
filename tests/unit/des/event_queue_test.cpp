// SPDX-License-Identifier: MIT
#include "ltdes/des/event_queue.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace ltdes::des {
namespace {

Event make(std::int64_t t, std::uint32_t src, std::uint64_t seq) {
    Event ev;
    ev.time = SimTime::from_ps(t);
    ev.src = LpId{src};
    ev.seq = seq;
    ev.dst = LpId{99};
    return ev;
}

TEST(EventQueue, PopsByTimeThenSourceThenSeq) {
    EventQueue q;
    // Pushed in an order unrelated to the key.
    q.push(make(5, 2, 0));
    q.push(make(3, 7, 1));
    q.push(make(5, 1, 9));
    q.push(make(3, 7, 0));
    q.push(make(5, 2, 4));
    q.push(make(1, 9, 3));
    q.prepare(SimTime::max());
    const std::vector<std::tuple<std::int64_t, std::uint32_t, std::uint64_t>> expected = {
        {1, 9, 3}, {3, 7, 0}, {3, 7, 1}, {5, 1, 9}, {5, 2, 0}, {5, 2, 4}};
    for (const auto& [t, src, seq] : expected) {
        ASSERT_TRUE(q.has_before(SimTime::max()));
        EXPECT_EQ(q.next_time().in_ps(), t);
        Event ev;
        q.pop(ev);
        EXPECT_EQ(ev.time.in_ps(), t);
        EXPECT_EQ(to_underlying(ev.src), src);
        EXPECT_EQ(ev.seq, seq);
    }
    EXPECT_TRUE(q.empty());
    EXPECT_EQ(q.next_time(), SimTime::max());
}

struct Msg {
    static constexpr std::uint16_t kKind = 7;
    std::uint64_t value;
};

TEST(EventQueue, KeepsPayloadAndInterleavesPushesWithPops) {
    EventQueue q;
    for (std::uint64_t i = 0; i < 100; ++i) {
        Event ev = make(static_cast<std::int64_t>((i * 37) % 100), 0, i);
        ev.set_payload(Msg{i * 11});
        q.push(ev);
    }
    // Times 0..99 each exactly once (37 is coprime with 100); pop half, push more, pop all.
    q.prepare(SimTime::max());
    std::int64_t last = -1;
    for (int i = 0; i < 50; ++i) {
        Event ev;
        q.pop(ev);
        EXPECT_GT(ev.time.in_ps(), last);
        last = ev.time.in_ps();
        EXPECT_EQ(ev.as<Msg>().value, ev.seq * 11);
    }
    q.push(make(1000, 0, 1000));
    q.push(make(60, 0, 2000));
    EXPECT_EQ(q.size(), 52U);
    std::vector<std::int64_t> times;
    while (!q.empty()) {
        Event ev;
        q.pop(ev);
        times.push_back(ev.time.in_ps());
    }
    ASSERT_EQ(times.size(), 52U);
    EXPECT_EQ(times.front(), 50);
    EXPECT_EQ(times.back(), 1000);
    EXPECT_TRUE(std::is_sorted(times.begin(), times.end()));
}

TEST(EventQueue, MergesTheNearAndFarTiersInKeyOrder) {
    // Horizon width 10 ps: windows [0,5), [5,40), [40,41), [41,2000), [2000,5001) move the
    // horizon by different amounts; events pushed between windows land in either tier and must
    // still come out in key order, and an event pushed during a window below its end must be
    // poppable in that window.
    EventQueue q;
    q.set_horizon_width(SimTime::from_ps(10));
    using Popped = std::tuple<std::int64_t, std::uint32_t, std::uint64_t>;
    std::vector<Popped> popped;
    auto drain = [&](std::int64_t until) {
        q.prepare(SimTime::from_ps(until));
        while (q.has_before(SimTime::from_ps(until))) {
            Event ev;
            q.pop(ev);
            popped.emplace_back(ev.time.in_ps(), to_underlying(ev.src), ev.seq);
        }
    };
    for (std::uint64_t i = 0; i < 20; ++i) {
        q.push(make(static_cast<std::int64_t>((i * 7) % 40), 1, i));  // times 0, 7, 14, …
    }
    EXPECT_EQ(q.next_time().in_ps(), 0);
    drain(5);  // 0, 2 and 4 are due (i = 0, 6, 12)
    q.push(make(6, 0, 100));
    q.push(make(33, 2, 101));
    q.push(make(1000, 0, 102));
    q.push(make(5000, 4, 104));
    EXPECT_EQ(q.next_time().in_ps(), 6);
    q.prepare(SimTime::from_ps(40));
    q.push(make(39, 3, 103));  // pushed "during" the window [5, 40), before its end
    drain(40);
    drain(41);
    EXPECT_EQ(q.size(), 2U);
    EXPECT_EQ(q.next_time().in_ps(), 1000);
    drain(2000);
    EXPECT_EQ(q.next_time().in_ps(), 5000);
    q.push(make(4999, 5, 105));
    drain(5001);
    EXPECT_TRUE(q.empty());
    ASSERT_EQ(popped.size(), 26U);
    EXPECT_TRUE(std::is_sorted(popped.begin(), popped.end()));
    EXPECT_EQ(popped.front(), (Popped{0, 1, 0}));
    EXPECT_EQ(popped.back(), (Popped{5000, 4, 104}));
}

}  // namespace
}  // namespace ltdes::des
