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
    const std::vector<std::tuple<std::int64_t, std::uint32_t, std::uint64_t>> expected = {
        {1, 9, 3}, {3, 7, 0}, {3, 7, 1}, {5, 1, 9}, {5, 2, 0}, {5, 2, 4}};
    for (const auto& [t, src, seq] : expected) {
        ASSERT_FALSE(q.empty());
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

}  // namespace
}  // namespace ltdes::des
