// SPDX-License-Identifier: MIT
#include "ltdes/dist/loopback_transport.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace ltdes::dist {
namespace {

des::Event event_to(std::uint32_t dst, std::uint32_t src, std::uint64_t seq) {
    des::Event ev;
    ev.dst = LpId{dst};
    ev.src = LpId{src};
    ev.seq = seq;
    ev.time = SimTime::from_ps(static_cast<std::int64_t>(100 * src + seq));
    return ev;
}

/// Runs `body(transport)` on `ranks` threads sharing one hub.
template <class Body>
void on_ranks(int ranks, Body body) {
    LoopbackHub hub(ranks);
    std::vector<std::thread> threads;
    for (int r = 0; r < ranks; ++r) {
        threads.emplace_back([&, r] {
            LoopbackTransport t(hub, RankId{r});
            body(t);
        });
    }
    for (auto& t : threads) {
        t.join();
    }
}

TEST(LoopbackTransport, ExchangeDeliversEachOutboxToItsRankInSourceRankOrder) {
    // Rank s sends to every other rank d one event (dst d, src s, seq d), twice in a row.
    constexpr int kRanks = 3;
    std::vector<std::vector<des::Event>> got(kRanks);
    on_ranks(kRanks, [&](LoopbackTransport& t) {
        const auto me = static_cast<std::uint32_t>(to_underlying(t.rank()));
        std::vector<std::vector<des::Event>> out(kRanks);
        for (std::uint32_t d = 0; d < kRanks; ++d) {
            if (d != me) {
                out[d].push_back(event_to(d, me, d));
            }
        }
        std::vector<des::Event> inbox;
        for (int round = 0; round < 2; ++round) {
            t.exchange(out, inbox);
        }
        got[me] = inbox;
    });
    for (std::uint32_t d = 0; d < kRanks; ++d) {
        ASSERT_EQ(got[d].size(), 2U) << d;
        std::uint32_t expected_src = d == 0 ? 1 : 0;
        for (const des::Event& ev : got[d]) {
            EXPECT_EQ(to_underlying(ev.dst), d);
            EXPECT_EQ(to_underlying(ev.src), expected_src);
            EXPECT_EQ(ev.seq, d);
            expected_src = expected_src + 1 == d ? expected_src + 2 : expected_src + 1;
        }
    }
}

TEST(LoopbackTransport, ReduceWindowTakesMinSumAndLowestFailingRank) {
    // Rank r offers time 50 - 10 r, 7 + r events, and fails when r >= 2.
    constexpr int kRanks = 4;
    std::vector<des::WindowReduction> got(kRanks);
    on_ranks(kRanks, [&](LoopbackTransport& t) {
        const int r = to_underlying(t.rank());
        got[static_cast<std::size_t>(r)] = t.reduce_window(
            SimTime::from_ps(50 - 10 * r), static_cast<std::uint64_t>(7 + r), r >= 2);
    });
    for (const auto& g : got) {
        EXPECT_EQ(g.min_time.in_ps(), 20);
        EXPECT_EQ(g.events, 7U + 8U + 9U + 10U);
        EXPECT_EQ(g.failed_rank, 2);
    }
}

TEST(LoopbackTransport, GatherAndBroadcast) {
    constexpr int kRanks = 3;
    std::vector<std::vector<std::uint64_t>> gathered(kRanks);
    std::vector<std::string> texts(kRanks);
    on_ranks(kRanks, [&](LoopbackTransport& t) {
        const auto r = static_cast<std::size_t>(to_underlying(t.rank()));
        gathered[r] = t.all_gather(100 + r);
        texts[r] = t.broadcast(r == 1 ? "from one" : "ignored", RankId{1});
    });
    for (std::size_t r = 0; r < kRanks; ++r) {
        EXPECT_EQ(gathered[r], (std::vector<std::uint64_t>{100, 101, 102}));
        EXPECT_EQ(texts[r], "from one");
    }
}

TEST(LoopbackTransport, DefaultIsASingleRank) {
    LoopbackTransport t;
    EXPECT_EQ(t.size(), 1);
    EXPECT_EQ(to_underlying(t.rank()), 0);
    EXPECT_EQ(t.reduce_window(SimTime::from_ps(5), 3, false).min_time.in_ps(), 5);
    EXPECT_EQ(t.all_gather(9), (std::vector<std::uint64_t>{9}));
}

}  // namespace
}  // namespace ltdes::dist
