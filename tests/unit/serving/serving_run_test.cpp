// SPDX-License-Identifier: MIT
// The serving DES against queueing theory, the static run path, conservation laws and itself
// on other rank and thread counts.
#include "ltdes/serving/serving_run.hpp"

#include "serving_fixture.hpp"

#include "ltdes/cluster/chip_memory.hpp"
#include "ltdes/cluster/cluster_run.hpp"
#include "ltdes/config/arch_loader.hpp"
#include "ltdes/dist/loopback_transport.hpp"
#include "ltdes/photonic/cost_model.hpp"
#include "ltdes/serving/serving_summary.hpp"
#include "ltdes/workload/op_graph.hpp"
#include "ltdes/workload/presets.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

namespace ltdes::serving {
namespace {

using namespace fixture;

using workload::Op;

/// splitmix64: our own generator, so the arrivals are the same with every standard library.
class Rng {
public:
    explicit Rng(std::uint64_t seed) : s_(seed) {}

    std::uint64_t next() {
        std::uint64_t z = (s_ += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31);
    }

    /// Uniform in (0, 1]: 53 random bits.
    double uniform() { return (static_cast<double>(next() >> 11) + 1.0) * 0x1.0p-53; }

    /// Exponential with mean `mean` (inversion).
    double exponential(double mean) { return -mean * std::log(uniform()); }

    /// Uniform integer in [a, b].
    std::uint64_t between(std::uint64_t a, std::uint64_t b) { return a + next() % (b - a + 1); }

private:
    std::uint64_t s_;
};

/// Every rank's result of a run on `ranks` loopback ranks, LPs placed by `part`.
std::vector<ServingResult> run_on_each(const ServingInputs& in,
                                       int ranks,
                                       int threads,
                                       const std::vector<std::size_t>& rejected,
                                       const des::Partitioner& part) {
    std::vector<ServingResult> results(static_cast<std::size_t>(ranks));
    fixture::on_loopback_ranks(ranks, [&](des::Transport& t) {
        ServingInputs mine = in;
        mine.threads = threads;
        results[static_cast<std::size_t>(to_underlying(t.rank()))] =
            run_serving(mine, rejected, t, part);
    });
    return results;
}

ServingResult run_on(const ServingInputs& in,
                     int ranks,
                     int threads,
                     const std::vector<std::size_t>& rejected = {}) {
    return run_on_each(in, ranks, threads, rejected, des::BlockPartitioner{}).front();
}

// Requests 1 s apart never meet: each one's TTFT and end-to-end time are the dispatch latency
// plus its lone static run's TTFT and makespan, to the picosecond. Checked on one chip and on
// 2 replicas of tp 2 × pp 2 (fully connected, where the iteration cost is exact).
TEST(ServingRun, LowLoadGivesEachRequestItsLoneStaticRun) {
    for (const auto& [tp, pp, dp] : {std::tuple{1U, 1U, 1U}, {2U, 2U, 2U}}) {
        Served s("gpt2", tp, pp, dp);
        const std::vector<std::pair<std::uint64_t, std::uint64_t>> lengths = {
            {16, 1}, {24, 3}, {40, 5}, {7, 2}, {100, 4}};
        for (std::size_t i = 0; i < lengths.size(); ++i) {
            s.in.requests.push_back(
                req(i, static_cast<double>(i), lengths[i].first, lengths[i].second));
        }
        const ServingResult r = run_on(s.in, 1, 1);
        ASSERT_EQ(r.requests.size(), lengths.size());
        const std::int64_t dispatch = std::llround(s.in.serving.dispatch_latency_ns * 1000);
        for (std::size_t i = 0; i < lengths.size(); ++i) {
            const RequestRow& row = r.requests[i];
            const StaticTimes st = static_run(s, static_cast<std::uint32_t>(lengths[i].first),
                                              static_cast<std::uint32_t>(lengths[i].second));
            EXPECT_EQ(row.status, RequestStatus::completed);
            // Every replica is idle at each arrival: the tie goes to the replica after the
            // previous pick.
            EXPECT_EQ(row.replica, static_cast<std::int32_t>(i % dp)) << "request " << i;
            EXPECT_EQ(row.scheduled - row.arrival, dispatch);
            EXPECT_EQ(row.first_token - row.arrival, dispatch + st.ttft.in_ps()) << "request " << i;
            EXPECT_EQ(row.completion - row.arrival, dispatch + st.makespan.in_ps())
                << "request " << i;
        }
    }
}

/// Mean queueing delay of an M/D/1 queue at load `rho` against Pollaczek–Khinchine.
void check_md1(double rho, std::size_t n, std::uint64_t seed) {
    Served s("tiny", 1, 1, 1);
    s.in.serving.max_batch = 1;
    // Service time S: a lone request's prefill and one decode step (prompt 8, 2 tokens).
    const StaticTimes st = static_run(s, 8, 2);
    const double service_s = st.makespan.in_seconds();
    Rng rng(seed);
    double t = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
        t += rng.exponential(service_s / rho);
        s.in.requests.push_back(req(i, t, 8, 2));
    }
    const ServingResult r = run_on(s.in, 1, 1);
    const std::int64_t dispatch = std::llround(s.in.serving.dispatch_latency_ns * 1000);
    std::vector<double> wait;
    for (const RequestRow& row : r.requests) {
        ASSERT_EQ(row.completion - row.first_token, st.makespan.in_ps() - st.ttft.in_ps());
        wait.push_back(static_cast<double>(row.scheduled - row.arrival - dispatch) * 1e-12);
    }
    // ρ from the sample (the arrivals drawn, not the target rate): λ̂ = (n − 1) / span.
    const double lambda =
        static_cast<double>(n - 1) / (static_cast<double>(s.in.requests.back().arrival.in_ps() -
                                                          s.in.requests.front().arrival.in_ps()) *
                                      1e-12);
    const double rho_hat = lambda * service_s;
    const double wq = rho_hat * service_s / (2.0 * (1.0 - rho_hat));
    // Tolerance from the sample itself (batch means): the waits of consecutive requests are
    // strongly correlated, so their plain standard error is far too small. Split the n waits
    // into k = 20 consecutive batches, each much longer than the queue's relaxation time
    // (~S/(1−√ρ)² ≈ 34 S at ρ = 0.8, against n/k = 2000+ requests), so the batch means are
    // nearly independent and normal; their standard error is sd(batch means)/√k. Student's t
    // with 19 degrees of freedom exceeds 4.0 with probability < 0.001, so a correct simulator
    // fails this test about once in a thousand seeds; the seed is fixed.
    const std::size_t k = 20;
    const std::size_t per = n / k;
    std::vector<double> means(k, 0.0);
    double mean = 0.0;
    for (std::size_t b = 0; b < k; ++b) {
        for (std::size_t i = b * per; i < (b + 1) * per; ++i) {
            means[b] += wait[i];
        }
        means[b] /= static_cast<double>(per);
        mean += means[b] / static_cast<double>(k);
    }
    double var = 0.0;
    for (const double m : means) {
        var += (m - mean) * (m - mean) / static_cast<double>(k - 1);
    }
    const double tolerance = 4.0 * std::sqrt(var / static_cast<double>(k));
    std::printf(
        "M/D/1 rho %.3f (sampled %.4f): mean wait %.6g s, P-K %.6g s, tolerance %.3g s "
        "(%.2f %%), error %.2f %%\n",
        rho, rho_hat, mean, wq, tolerance, 100 * tolerance / wq, 100 * (mean - wq) / wq);
    EXPECT_NEAR(mean, wq, tolerance);
    // The bound must be meaningful: below 15 % of Wq with these sample sizes.
    EXPECT_LT(tolerance, 0.15 * wq);
}

TEST(ServingRun, QueueingDelayMatchesPollaczekKhinchineAtHalfLoad) {
    check_md1(0.5, 20000, 7);
}

TEST(ServingRun, QueueingDelayMatchesPollaczekKhinchineAtEightyPercentLoad) {
    check_md1(0.8, 60000, 11);
}

/// Poisson arrivals of mixed lengths, fast enough to queue, on `dp` gpt2 replicas whose DRAM
/// leaves `blocks` KV blocks each.
Served loaded(std::uint32_t dp, std::uint64_t blocks, std::size_t n, std::uint64_t seed) {
    Served s("gpt2", 1, 1, dp);
    const cluster::ChipMemory mem = cluster::chip_memory(*s.plan, 0, 4, 1.0);
    const double block_bytes = 12.0 * 2 * 12 * 64 * 16 * 4 / 8;  // layers·2·heads·d_head·16 tok
    s.set_capacity_gib((static_cast<double>(mem.weight_bytes) +
                        (static_cast<double>(blocks) + 0.5) * block_bytes) /
                       1073741824.0);
    s.in.serving.max_batch = 16;
    Rng rng(seed);
    double t = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
        t += rng.exponential(2e-4 / dp);
        s.in.requests.push_back(req(i, t, rng.between(16, 200), rng.between(1, 120)));
    }
    return s;
}

/// Every request completes once, in order of its own events; the tokens add up; KV never
/// exceeds capacity; Little's law holds on the run.
void check_conservation(const Served& s, const ServingResult& r, bool chunked) {
    ASSERT_EQ(r.requests.size(), s.in.requests.size());
    std::uint64_t generated = 0;
    std::uint64_t preemptions = 0;
    std::uint64_t prompts = 0;
    for (std::size_t i = 0; i < r.requests.size(); ++i) {
        const RequestRow& q = r.requests[i];
        EXPECT_EQ(q.request, i);
        EXPECT_EQ(q.status, RequestStatus::completed);
        EXPECT_LE(q.arrival, q.scheduled);
        EXPECT_LT(q.scheduled, q.first_token);
        EXPECT_LE(q.first_token, q.completion);
        generated += q.decode_tokens;
        preemptions += q.preemptions;
        prompts += q.prompt_tokens;
    }
    std::uint64_t decode_steps = 0;
    std::uint64_t prefill_tokens = 0;
    for (const IterationRow& it : r.iterations) {
        decode_steps += it.decode_tokens;
        prefill_tokens += it.prefill_tokens;
        EXPECT_LE(it.kv_blocks, r.kv_capacity_blocks);
        EXPECT_LT(it.t_start, it.t_end);
    }
    EXPECT_LE(r.kv_peak_blocks, r.kv_capacity_blocks);
    const std::uint64_t n = r.requests.size();
    if (!chunked) {
        // Each request's first token comes from its prefill and one more from each recompute
        // after a preemption; every other token is a decode step.
        EXPECT_EQ(decode_steps, generated - n - preemptions);
    }
    EXPECT_GE(prefill_tokens, prompts);
    // Little's law: the time-average number in the system, integrated over the run from the
    // arrivals and completions, equals λ·W.
    std::vector<std::pair<std::int64_t, int>> events;
    double w_sum = 0.0;
    for (const RequestRow& q : r.requests) {
        events.emplace_back(q.arrival, +1);
        events.emplace_back(q.completion, -1);
        w_sum += static_cast<double>(q.completion - q.arrival);
    }
    std::sort(events.begin(), events.end());
    double area = 0.0;
    std::int64_t in_system = 0;
    for (std::size_t i = 0; i + 1 < events.size(); ++i) {
        in_system += events[i].second;
        ASSERT_GE(in_system, 0);
        area += static_cast<double>(in_system) *
                static_cast<double>(events[i + 1].first - events[i].first);
    }
    const double span = static_cast<double>(events.back().first - events.front().first);
    const double lambda = static_cast<double>(n) / span;
    EXPECT_NEAR(area / span, lambda * (w_sum / static_cast<double>(n)), 1e-9 * area / span);
}

TEST(ServingRun, ConservationWithPreemptions) {
    Served s = loaded(1, 40, 400, 3);
    const ServingResult r = run_on(s.in, 1, 1);
    EXPECT_EQ(r.kv_capacity_blocks, 40U);
    const ServingSummary sum = summarize(r, s.in.serving);
    std::printf("preemptions %llu, peak %llu of %llu blocks, p99 TTFT %.3g s\n",
                static_cast<unsigned long long>(sum.preemptions),
                static_cast<unsigned long long>(r.kv_peak_blocks),
                static_cast<unsigned long long>(r.kv_capacity_blocks), sum.ttft.p99);
    EXPECT_GT(sum.preemptions, 0U);
    check_conservation(s, r, false);
}

TEST(ServingRun, ConservationWithChunkedPrefill) {
    Served s = loaded(1, 40, 400, 5);
    s.in.serving.chunked_prefill = true;
    s.in.serving.max_batched_tokens = 64;
    const ServingResult r = run_on(s.in, 1, 1);
    check_conservation(s, r, true);
}

TEST(ServingRun, ConservationWithStaticBatches) {
    Served s = loaded(1, 400, 200, 9);
    s.in.serving.scheduler = SchedulerMode::static_batch;
    const ServingResult r = run_on(s.in, 1, 1);
    check_conservation(s, r, false);
}

template <class T>
bool same_rows(const std::vector<T>& a, const std::vector<T>& b) {
    return a.size() == b.size() &&
           (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0);
}

// At iteration fidelity every iteration asks its replica's cost cache once: the ranks' counts
// of costs computed during the run (those computed ahead for lone requests apart) and answered
// by the caches add up to the iterations. The in-process transport has no side channel, so
// costs are shared only ahead, where each rank adopts at most every other rank's share
// (CostSharing is tested over MPI).
void expect_one_lookup_per_iteration(const ServingResult& r, const std::string& where) {
    const auto sum = [](const std::vector<std::uint64_t>& v) {
        return std::accumulate(v.begin(), v.end(), std::uint64_t{0});
    };
    const std::uint64_t ranks = r.stats.events_per_rank.size();
    ASSERT_EQ(r.costs_computed.size(), ranks) << where;
    ASSERT_EQ(r.costs_ahead.size(), ranks) << where;
    ASSERT_GE(sum(r.costs_computed), sum(r.costs_ahead)) << where;
    EXPECT_EQ(sum(r.costs_computed) - sum(r.costs_ahead) + sum(r.costs_cached), r.iteration_count)
        << where;
    EXPECT_LE(sum(r.costs_adopted), sum(r.costs_ahead) * (ranks - 1)) << where;
}

// Three replicas on 1, 2 and 4 (loopback) ranks and with 2 threads: identical rows, for both
// routers.
TEST(ServingRun, SameRowsOnAnyNumberOfRanksAndThreads) {
    for (const RouterPolicy policy :
         {RouterPolicy::least_outstanding, RouterPolicy::least_outstanding_lowest_id,
          RouterPolicy::round_robin}) {
        Served s = loaded(3, 40, 300, 13);
        s.in.serving.router = policy;
        const ServingResult one = run_on(s.in, 1, 1);
        check_conservation(s, one, false);
        expect_one_lookup_per_iteration(one, "1 rank");
        std::map<std::int32_t, int> per_replica;
        for (const RequestRow& q : one.requests) {
            ++per_replica[q.replica];
        }
        EXPECT_EQ(per_replica.size(), 3U);
        for (const auto& [ranks, threads] : {std::pair{2, 1}, {4, 1}, {1, 2}, {2, 2}}) {
            const ServingResult other = run_on(s.in, ranks, threads);
            EXPECT_TRUE(same_rows(one.requests, other.requests)) << ranks << " x " << threads;
            EXPECT_TRUE(same_rows(one.iterations, other.iterations)) << ranks << " x " << threads;
            EXPECT_EQ(one.stats.fingerprint, other.stats.fingerprint);
            expect_one_lookup_per_iteration(other, "ranks " + std::to_string(ranks));
            // A request is forecast at most once, the router counts a forecast at most once, a
            // notice is spared only for the router's own forecasts, and only several ranks take
            // them (round robin has no notices to foresee).
            EXPECT_LE(other.forecasts_used, other.forecasts_sent + other.forecasts_by_router);
            EXPECT_LE(other.notices_spared, other.forecasts_by_router);
            EXPECT_LE(other.forecasts_sent, s.in.requests.size());
            if (ranks == 1 || policy == RouterPolicy::round_robin) {
                EXPECT_EQ(other.forecasts_sent, 0U) << ranks << " x " << threads;
                EXPECT_EQ(other.costs_ahead,
                          std::vector<std::uint64_t>(static_cast<std::size_t>(ranks), 0))
                    << ranks << " x " << threads;
            }
        }
        EXPECT_EQ(one.forecasts_sent, 0U);
    }
}

// Three replicas: request A (long) at 0, then B, C, D, E `gap` apart, each done and its
// completion notice back before the next arrives, while A still runs. Outstanding counts at
// each arrival and the pick (the scan for the fewest starts after the previous pick):
//   least_outstanding: A [0,0,0] -> 0; B [1,0,0] from 1 -> 1; C [1,0,0] from 2 -> 2;
//                      D [1,0,0] from 0 -> 1; E [1,0,0] from 2 -> 2
//   lowest id:         A -> 0; B, C, D, E [1,0,0] -> 1
//   round robin:       0, 1, 2, 0, 1
// Three replicas, 12 requests of the same shape 1 s apart: each reaches an idle replica. On
// several ranks every lone request's warm costs are computed before the run and each rank
// holds them all (cost_lone_requests_ahead), so every request is forecast except each
// replica's first, whose prefill is cold (computed on demand): 12 - 3 = 9. On 2 and 3 ranks the
// router's rank holds replica 0 and so the cache, and the router forecasts all 9 itself; on 4
// ranks the router has a rank to itself and no cache, and the replicas forecast them, 9. On 2
// ranks replicas 1 and 2 share a rank and a cache, so replica 2 finds its first (cold) prefill
// there, computed for replica 1, and forecasts that request too: 10. The rows stay those of 1
// rank, which computes nothing ahead. Every forecast holds (no request reaches a busy replica),
// so the replicas send no notice for the router's own forecasts: 9 spared on 2 and 3 ranks.
TEST(ServingRun, LoneRequestsAreForecastOnSeveralRanks) {
    Served s("gpt2", 1, 1, 3);
    for (std::uint64_t i = 0; i < 12; ++i) {
        s.in.requests.push_back(req(i, static_cast<double>(i), 16, 4));
    }
    const ServingResult one = run_on(s.in, 1, 1);
    EXPECT_EQ(one.forecasts_sent + one.forecasts_by_router, 0U);
    EXPECT_EQ(one.costs_ahead, std::vector<std::uint64_t>{0});
    for (const int ranks : {2, 3, 4}) {
        const ServingResult other = run_on(s.in, ranks, 1);
        EXPECT_TRUE(same_rows(one.requests, other.requests)) << ranks;
        EXPECT_TRUE(same_rows(one.iterations, other.iterations)) << ranks;
        // Ahead: the warm prefill of 16 tokens and the decode steps at contexts 16, 17, 18.
        EXPECT_EQ(
            std::accumulate(other.costs_ahead.begin(), other.costs_ahead.end(), std::uint64_t{0}),
            4U)
            << ranks;
        const std::uint64_t by_router = ranks == 4 ? 0 : 9;
        const std::uint64_t by_replicas = ranks == 4 ? 9 : ranks == 2 ? 1 : 0;
        EXPECT_EQ(other.forecasts_by_router, by_router) << ranks;
        EXPECT_EQ(other.forecasts_sent, by_replicas) << ranks;
        EXPECT_EQ(other.notices_spared, by_router) << ranks;
        EXPECT_GE(other.forecasts_used, 1U) << ranks;
        EXPECT_LE(other.forecasts_used, by_router + by_replicas) << ranks;
    }
}

// Two replicas, the router taking the lowest id among the fewest outstanding. R0 and R1 (cold,
// never forecast) go to replicas 0 and 1 and are done by t = 1 s. Then:
//   R2 at 1 s        -> 0 [1, 0], forecast by the router (idle replica, warm costs ahead);
//   R3 at 1 s + 1 ns -> 1 [1, 1], forecast;
//   R4 at 1 s + 2 ns -> 0 [2, 1] (tie): it reaches replica 0 while R2 runs, so R2's forecast
//                       breaks (R2 now shares iterations with R4 and ends later), and replica 0
//                       sends R2's notice after all;
//   R5 between the notice R2's forecast promised and R2's real notice: R3 and R4 are done, R2
//                       runs on -> [1, 0] -> 1, forecast, and it holds.
// So the router forecasts R2, R3 and R5, and notices are spared for R3 and R5 only. Had the
// router kept R2's forecast, it would count R2 done before R5 ([0, 0]) and send R5 to replica 0.
TEST(ServingRun, AForecastBrokenByALaterRequestStillGetsItsNotice) {
    Served s("gpt2", 1, 1, 2);
    s.in.serving.router = RouterPolicy::least_outstanding_lowest_id;
    s.in.serving.dispatch_latency_ns = 1000.0;
    const SimTime dispatch = SimTime::from_ps(1'000'000);
    const auto requests = [](bool with_r4, double r5_s) {
        std::vector<trace::RequestRecord> out = {req(0, 0.0, 16, 4), req(1, 0.0, 16, 4),
                                                 req(2, 1.0, 16, 40), req(3, 1.0 + 1e-9, 16, 4)};
        if (with_r4) {
            out.push_back(req(4, 1.0 + 2e-9, 16, 4));
        }
        if (r5_s > 0.0) {
            out.push_back(req(out.size(), r5_s, 16, 4));
        }
        return out;
    };
    // R2 alone: its completion as forecast. With R4: its real completion.
    s.in.requests = requests(false, 0.0);
    const auto promised = SimTime::from_ps(run_on(s.in, 1, 1).requests[2].completion);
    s.in.requests = requests(true, 0.0);
    const auto real = SimTime::from_ps(run_on(s.in, 1, 1).requests[2].completion);
    ASSERT_LT(promised, real);
    const SimTime r5 = promised + dispatch + SimTime::from_ps((real - promised).in_ps() / 2);
    s.in.requests = requests(true, r5.in_seconds());
    const ServingResult one = run_on(s.in, 1, 1);
    const std::vector<std::int32_t> expected = {0, 1, 0, 1, 0, 1};
    ASSERT_EQ(one.requests.size(), expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) {
        EXPECT_EQ(one.requests[i].replica, expected[i]) << "request " << i;
    }
    // On 2 ranks the router shares rank 0 with replica 0 and its cache.
    const ServingResult two = run_on(s.in, 2, 1);
    EXPECT_TRUE(same_rows(one.requests, two.requests));
    EXPECT_TRUE(same_rows(one.iterations, two.iterations));
    EXPECT_EQ(two.forecasts_by_router, 3U);
    EXPECT_EQ(two.notices_spared, 2U);
}

// Iteration rows left on their ranks (for writing /iterations in parallel): with the block
// partition each rank holds its replicas' rows, a block of the global order starting where the
// rows of the ranks before it end; with round robin (replicas 1, 3 on one rank, 0, 2 on the
// other) no rank's rows are a block, and they all go to rank 0 as by default.
TEST(ServingRun, IterationRowsStayOnTheirRanksWhenTheyFormBlocks) {
    Served s = loaded(4, 40, 300, 21);
    const ServingResult one = run_on(s.in, 1, 1);
    s.in.iterations_on_rank_0 = false;
    for (const int ranks : {2, 3}) {
        const std::vector<ServingResult> each =
            run_on_each(s.in, ranks, 1, {}, des::BlockPartitioner{});
        std::vector<IterationRow> joined;
        for (const ServingResult& r : each) {
            EXPECT_EQ(r.iteration_first, joined.size()) << ranks;
            EXPECT_EQ(r.iteration_count, one.iterations.size()) << ranks;
            joined.insert(joined.end(), r.iterations.begin(), r.iterations.end());
        }
        EXPECT_GT(each.back().iterations.size(), 0U) << ranks;  // not all on rank 0
        EXPECT_TRUE(same_rows(one.iterations, joined)) << ranks;
        // Every rank has each replica's totals, whichever rank ran it: those of its rows.
        for (std::uint32_t d = 0; d < 4; ++d) {
            ServingResult::ReplicaBusy want;
            want.first_start = INT64_MAX;
            for (const IterationRow& it : one.iterations) {
                if (it.replica == d) {
                    want.first_start = std::min(want.first_start, it.t_start);
                    want.last_end = std::max(want.last_end, it.t_end);
                    want.busy += it.t_end - it.t_start;
                    ++want.iterations;
                }
            }
            ASSERT_GT(want.iterations, 0U) << d;
            for (const ServingResult& r : each) {
                const ServingResult::ReplicaBusy& got = r.replica_busy.at(d);
                EXPECT_EQ(got.first_start, want.first_start) << ranks << " replica " << d;
                EXPECT_EQ(got.last_end, want.last_end) << ranks << " replica " << d;
                EXPECT_EQ(got.busy, want.busy) << ranks << " replica " << d;
                EXPECT_EQ(got.iterations, want.iterations) << ranks << " replica " << d;
            }
        }
    }
    const std::vector<ServingResult> each =
        run_on_each(s.in, 2, 1, {}, des::RoundRobinPartitioner{});
    EXPECT_TRUE(same_rows(one.iterations, each[0].iterations));
    EXPECT_EQ(each[0].iteration_first, 0U);
    EXPECT_TRUE(each[1].iterations.empty());
    EXPECT_EQ(each[1].iteration_count, one.iterations.size());
}

TEST(ServingRun, RouterTiesTakeTurnsUnlessLowestIdIsAsked) {
    const std::vector<std::pair<RouterPolicy, std::vector<std::int32_t>>> cases = {
        {RouterPolicy::least_outstanding, {0, 1, 2, 1, 2}},
        {RouterPolicy::least_outstanding_lowest_id, {0, 1, 1, 1, 1}},
        {RouterPolicy::round_robin, {0, 1, 2, 0, 1}}};
    for (const auto& [policy, expected] : cases) {
        Served s("tiny", 1, 1, 3);
        s.in.serving.router = policy;
        s.in.serving.dispatch_latency_ns = 1000.0;  // short next to the tiny model's steps
        const double dispatch_s = s.in.serving.dispatch_latency_ns * 1e-9;
        const double short_s = static_run(s, 8, 2).makespan.in_seconds();
        const double gap = 2.0 * (short_s + 2.0 * dispatch_s);
        const std::uint32_t long_decode = 50;  // tiny's context is 64 tokens
        ASSERT_GT(static_run(s, 8, long_decode).makespan.in_seconds(), 5.0 * gap);
        s.in.requests = {req(0, 0.0, 8, long_decode)};
        for (std::uint64_t i = 1; i < 5; ++i) {
            s.in.requests.push_back(req(i, static_cast<double>(i) * gap, 8, 2));
        }
        const ServingResult r = run_on(s.in, 1, 1);
        ASSERT_EQ(r.requests.size(), expected.size());
        for (std::size_t i = 0; i < expected.size(); ++i) {
            EXPECT_EQ(r.requests[i].replica, expected[i])
                << kRouterPolicyNames[static_cast<std::size_t>(policy)] << " request " << i;
        }
    }
}

TEST(ServingRun, RejectedRequestsGetRowsAndAreNeverDispatched) {
    Served s("tiny", 1, 1, 1);
    s.in.requests = {req(0, 0.0, 8, 2), req(1, 0.001, 9, 3), req(2, 0.002, 10, 2)};
    const ServingResult r = run_on(s.in, 1, 1, {1});
    ASSERT_EQ(r.requests.size(), 3U);
    EXPECT_EQ(r.requests[1].status, RequestStatus::rejected);
    EXPECT_EQ(r.requests[1].replica, -1);
    EXPECT_EQ(r.requests[1].completion, -1);
    EXPECT_EQ(r.requests[2].status, RequestStatus::completed);
    const ServingSummary sum = summarize(r, s.in.serving);
    EXPECT_EQ(sum.requests_rejected, 1U);
    EXPECT_EQ(sum.requests_completed, 2U);
    // Offered load counts the rejected request too: 3 arrivals over 2 ms = (3 − 1) / 0.002 s.
    EXPECT_NEAR(sum.offered_load_rps, 1000.0, 1e-9);
}

TEST(ServingRun, UnfitReasonNamesTheLimit) {
    ServingSpec spec;
    spec.max_batched_tokens = 100;
    EXPECT_NE(unfit_reason({1, {}, 200, 2}, spec, 1000).find("max_batched_tokens"),
              std::string::npos);
    spec.chunked_prefill = true;
    EXPECT_EQ(unfit_reason({1, {}, 200, 2}, spec, 1000), "");
    // 16 + 17 − 1 = 32 tokens = 2 blocks.
    EXPECT_EQ(unfit_reason({1, {}, 16, 17}, spec, 2), "");
    EXPECT_NE(unfit_reason({1, {}, 16, 18}, spec, 2).find("KV blocks"), std::string::npos);
}

TEST(ServingSummary, PercentilesInterpolateBetweenRanks) {
    const std::vector<double> v = {1, 2, 3, 4, 5};
    EXPECT_DOUBLE_EQ(percentile(v, 50), 3.0);
    EXPECT_DOUBLE_EQ(percentile(v, 90), 4.6);  // h = 3.6
    EXPECT_DOUBLE_EQ(percentile(v, 99), 4.96);
    EXPECT_TRUE(std::isnan(percentile({}, 50)));
}

}  // namespace
}  // namespace ltdes::serving
