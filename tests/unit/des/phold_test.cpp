// SPDX-License-Identifier: MIT
#include "ltdes/des/phold.hpp"

#include "unit/des/loopback_run.hpp"

#include "ltdes/core/error.hpp"
#include "ltdes/des/simulation.hpp"
#include "ltdes/dist/loopback_transport.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <map>
#include <string>
#include <tuple>
#include <vector>

namespace ltdes::des {
namespace {

using testing::run_loopback;

PholdSpec spec(std::uint32_t lps,
               std::uint32_t start,
               double remote,
               double lookahead,
               double mean,
               double end,
               std::uint64_t seed = 1) {
    PholdSpec s;
    s.lps = lps;
    s.start_events = start;
    s.remote = remote;
    s.lookahead_units = lookahead;
    s.mean_units = mean;
    s.end_units = end;
    s.seed = seed;
    return s;
}

SimulationSpec sim_spec(const PholdSpec& p, int threads = 1, std::uint32_t lps_per_shard = 0) {
    SimulationSpec s;
    s.lookahead = p.lookahead();
    s.end_time = p.end_time();
    s.threads = threads;
    s.lps_per_shard = lps_per_shard;
    return s;
}

/// Per-LP outcome: received, sent to others, digest of receive times, events executed.
using LpState = std::tuple<std::uint64_t, std::uint64_t, std::uint64_t, std::uint64_t>;

struct Outcome {
    std::uint64_t events = 0;
    std::uint64_t fingerprint = 0;
    std::map<std::uint32_t, LpState> lps;
};

Outcome run_phold(const PholdSpec& p,
                  int ranks,
                  int threads,
                  const Partitioner& partitioner,
                  std::uint32_t lps_per_shard = 0,
                  const std::function<void(SimulationSpec&)>& tweak = {}) {
    Outcome out;
    SimulationSpec s = sim_spec(p, threads, lps_per_shard);
    if (tweak) {
        tweak(s);
    }
    const auto results = run_loopback(
        ranks, s, partitioner, p.lps, [&](LpId id) { return std::make_unique<PholdLp>(p, id); },
        [&](int, Simulation& sim) {
            sim.for_each_local_lp([&](LpId id, LogicalProcess& lp) {
                const auto& ph = static_cast<const PholdLp&>(lp);
                out.lps[to_underlying(id)] = {ph.received(), ph.sent_remote(), ph.time_digest(),
                                              sim.lp_stats(id).events_executed};
            });
        });
    for (const auto& r : results) {
        if (r.error) {
            std::rethrow_exception(r.error);
        }
        EXPECT_EQ(r.stats.global_events, results.front().stats.global_events);
        EXPECT_EQ(r.stats.fingerprint, results.front().stats.fingerprint);
    }
    out.events = results.front().stats.global_events;
    out.fingerprint = results.front().stats.fingerprint;
    return out;
}

// The fingerprint formula of fingerprint.hpp, written out again independently.
std::uint64_t splitmix_final(std::uint64_t z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

TEST(Phold, WithoutRemoteOrRandomDelaysEveryLpTicksOncePerLookahead) {
    // 4 LPs, 1 start event, remote 0, mean 0, lookahead 1 unit, end 10 units: each LP runs
    // exactly at 1, 2, ..., 9 µs (the start event lands at lookahead, then +1 each time, and
    // t = 10 µs is not executed). 4 × 9 = 36 events.
    const PholdSpec p = spec(4, 1, 0.0, 1.0, 0.0, 10.0);
    const Outcome o = run_phold(p, 1, 1, BlockPartitioner{});
    EXPECT_EQ(o.events, 36U);
    std::uint64_t expected_fingerprint = 0;
    for (std::uint64_t lp = 0; lp < 4; ++lp) {
        std::uint64_t chain = 0;
        std::uint64_t digest = 0;
        for (std::uint64_t k = 1; k <= 9; ++k) {
            const std::uint64_t t_ps = k * 1'000'000;
            chain = splitmix_final(chain ^ splitmix_final(t_ps ^ splitmix_final((lp << 16) | 1)));
            digest += t_ps;
        }
        expected_fingerprint += splitmix_final(chain + lp);
        EXPECT_EQ(o.lps.at(static_cast<std::uint32_t>(lp)), (LpState{9, 0, digest, 9}));
    }
    EXPECT_EQ(o.fingerprint, expected_fingerprint);
}

TEST(Phold, ResultsAreIdenticalForEveryRankThreadAndShardSplit) {
    // Random delays with many ties avoided and some exact (mean small relative to lookahead is
    // not needed: the key order decides ties). The reference is 1 rank, 1 thread, 1 shard.
    const PholdSpec p = spec(37, 3, 0.5, 0.3, 0.8, 20.0, 7);
    const Outcome ref = run_phold(p, 1, 1, BlockPartitioner{}, 37);
    ASSERT_GT(ref.events, 1000U);
    ASSERT_EQ(ref.lps.size(), 37U);
    for (int ranks : {1, 2, 3, 4}) {
        for (int threads : {1, 2, 4}) {
            const Outcome o = run_phold(p, ranks, threads, BlockPartitioner{});
            EXPECT_EQ(o.events, ref.events) << ranks << "x" << threads;
            EXPECT_EQ(o.fingerprint, ref.fingerprint) << ranks << "x" << threads;
            EXPECT_EQ(o.lps, ref.lps) << ranks << "x" << threads;
        }
    }
    for (std::uint32_t per_shard : {1U, 5U}) {
        const Outcome o = run_phold(p, 3, 2, RoundRobinPartitioner{}, per_shard);
        EXPECT_EQ(o.fingerprint, ref.fingerprint) << per_shard;
        EXPECT_EQ(o.lps, ref.lps) << per_shard;
    }
}

TEST(Phold, OverlappedRoundsGiveTheSameResults) {
    // Windows run while the round is under way (Simulation runs them between post_round and
    // finish_round; the loopback transport's round is ready at once, so a rank runs
    // round_events events, or one window, past its post each time).
    const PholdSpec p = spec(37, 3, 0.5, 0.3, 0.8, 20.0, 7);
    const Outcome ref = run_phold(p, 1, 1, BlockPartitioner{}, 37);
    ASSERT_GT(ref.events, 1000U);
    for (const std::uint64_t round_events : {0U, 7U, 1000U}) {
        for (int ranks : {2, 3, 4}) {
            for (int threads : {1, 2}) {
                const Outcome o = run_phold(p, ranks, threads, RoundRobinPartitioner{}, 0,
                                            [&](SimulationSpec& s) {
                                                s.overlap_rounds = true;
                                                s.round_events = round_events;
                                            });
                EXPECT_EQ(o.events, ref.events) << ranks << "x" << threads << " " << round_events;
                EXPECT_EQ(o.fingerprint, ref.fingerprint) << ranks << "x" << threads;
                EXPECT_EQ(o.lps, ref.lps) << ranks << "x" << threads << " " << round_events;
            }
        }
    }
}

TEST(Phold, TiesAtEqualTimesAreDeterministicToo) {
    // Mean 0 puts every event of a generation at the same time: the worst case for ties.
    const PholdSpec p = spec(50, 2, 0.9, 1.0, 0.0, 30.0, 3);
    const Outcome ref = run_phold(p, 1, 1, BlockPartitioner{});
    EXPECT_EQ(ref.events, 50U * 2U * 29U);  // population constant, times 1..29
    const Outcome o = run_phold(p, 4, 4, RoundRobinPartitioner{}, 3);
    EXPECT_EQ(o.fingerprint, ref.fingerprint);
    EXPECT_EQ(o.lps, ref.lps);
}

TEST(Phold, DifferentSeedsGiveDifferentRuns) {
    const Outcome a = run_phold(spec(20, 2, 0.5, 0.5, 1.0, 20.0, 1), 1, 1, BlockPartitioner{});
    const Outcome b = run_phold(spec(20, 2, 0.5, 0.5, 1.0, 20.0, 2), 1, 1, BlockPartitioner{});
    EXPECT_NE(a.fingerprint, b.fingerprint);
}

TEST(Phold, DelaysAreLookaheadPlusExponentialWithTheGivenMean) {
    // One LP, lookahead 1 ps, mean 1 unit, end 20000 units: a renewal process with mean gap
    // 1 unit + 1 ps, so about 20000 events (standard deviation ~141): accept ±3 %.
    const PholdSpec p = spec(1, 1, 0.0, 1e-6, 1.0, 20000.0, 11);
    const Outcome o = run_phold(p, 1, 1, BlockPartitioner{});
    EXPECT_NEAR(static_cast<double>(o.events), 20000.0, 600.0);
}

TEST(Phold, RemoteIsTheFractionSentToAUniformlyDrawnLp) {
    // remote 0.4 over 10 LPs: a draw picks another LP with probability 0.4 × 9/10 = 0.36.
    // About 10 × 10 × 500 / 1.01 ≈ 49500 draws: standard deviation of the fraction ≈ 0.002.
    const PholdSpec p = spec(10, 10, 0.4, 0.01, 1.0, 500.0, 5);
    const Outcome o = run_phold(p, 1, 1, BlockPartitioner{});
    std::uint64_t sent_remote = 0;
    std::uint64_t received = 0;
    for (const auto& [id, st] : o.lps) {
        received += std::get<0>(st);
        sent_remote += std::get<1>(st);
    }
    ASSERT_GT(received, 45000U);
    EXPECT_NEAR(static_cast<double>(sent_remote) / static_cast<double>(received), 0.36, 0.01);
}

TEST(PholdSpec, RejectsOutOfRangeFlagsByName) {
    auto message = [](const PholdSpec& s) {
        try {
            s.validate();
        } catch (const UsageError& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    EXPECT_NE(message(spec(0, 1, 0.5, 1, 0, 10)).find("--lps"), std::string::npos);
    EXPECT_NE(message(spec(4, 1, 1.5, 1, 0, 10)).find("--remote"), std::string::npos);
    EXPECT_NE(message(spec(4, 1, 0.5, 0, 0, 10)).find("--lookahead"), std::string::npos);
    EXPECT_NE(message(spec(4, 1, 0.5, 1e-9, 0, 10)).find("--lookahead"), std::string::npos);
    EXPECT_NE(message(spec(4, 1, 0.5, 1, -1, 10)).find("--mean"), std::string::npos);
    EXPECT_NE(message(spec(4, 1, 0.5, 1, 0, 0)).find("--end"), std::string::npos);
    EXPECT_NE(message(spec(4, 1, 0.5, 1, std::nan(""), 10)).find("--mean"), std::string::npos);
    EXPECT_EQ(message(spec(4, 1, 0.5, 1, 0, 10)), "no error");
}

TEST(PholdSpec, OneUnitIsOneMicrosecond) {
    EXPECT_EQ(PholdSpec::to_time(1.0).in_ps(), 1'000'000);
    EXPECT_EQ(PholdSpec::to_time(0.1).in_ps(), 100'000);
    EXPECT_EQ(PholdSpec::to_time(2.5e-6).in_ps(), 3);  // rounded to the nearest ps
}

TEST(PholdDelay, RoundHalfUpIsLlroundBitForBit) {
    // Halves go up, the largest double below 0.5 goes down (x + 0.5 would round it up), and
    // past 2^52 every double is already whole.
    EXPECT_EQ(round_half_up(0.0), 0);
    EXPECT_EQ(round_half_up(-0.0), 0);
    EXPECT_EQ(round_half_up(0.5), 1);
    EXPECT_EQ(round_half_up(2.5), 3);
    EXPECT_EQ(round_half_up(0.49999999999999994), 0);
    EXPECT_EQ(round_half_up(4503599627370495.5), 4503599627370496);
    EXPECT_EQ(round_half_up(9007199254740993.0), 9007199254740992);  // 2^53 + 1 is not a double
    EXPECT_EQ(round_half_up(-2.5), -3);                              // std::llround's path
    // The delays PHOLD draws, against the libm function.
    LpRandom r(5, LpId{1});
    for (int i = 0; i < 200000; ++i) {
        const double x = -9e5 * std::log(r.next_unit()) * (i % 7 == 0 ? 1e9 : 1.0);
        ASSERT_EQ(round_half_up(x), std::llround(x)) << x;
    }
}

TEST(LpRandom, UnitDrawsStayInTheHalfOpenInterval) {
    LpRandom r(1, LpId{0});
    double sum = 0.0;
    for (int i = 0; i < 100000; ++i) {
        const double u = r.next_unit();
        ASSERT_GT(u, 0.0);
        ASSERT_LE(u, 1.0);
        sum += u;
    }
    EXPECT_NEAR(sum / 100000.0, 0.5, 0.01);
}

TEST(LpRandom, StreamsDependOnSeedAndLpOnly) {
    LpRandom a(9, LpId{3});
    LpRandom b(9, LpId{3});
    LpRandom c(9, LpId{4});
    LpRandom d(8, LpId{3});
    const auto x = a.next_u64();
    EXPECT_EQ(x, b.next_u64());
    EXPECT_NE(x, c.next_u64());
    EXPECT_NE(x, d.next_u64());
}

}  // namespace
}  // namespace ltdes::des
