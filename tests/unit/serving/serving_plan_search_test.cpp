// SPDX-License-Identifier: MIT
// The serving plan search against the DES: the plan it picks is the DES-best of a small set,
// a lone request's predicted TTFT is the simulated one, fixed limits stay fixed, and the
// exclusions are the ones counted by hand.
#include "ltdes/serving/serving_plan_search.hpp"

#include "serving_fixture.hpp"

#include "ltdes/core/interrupted.hpp"
#include "ltdes/des/stop_request.hpp"
#include "ltdes/serving/serving_summary.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <csignal>
#include <map>
#include <tuple>

namespace ltdes::serving {
namespace {

using fixture::req;
using fixture::Served;

/// `n` requests of the tiny model (context 64), `gap_s` apart, lengths from a fixed pattern.
std::vector<trace::RequestRecord> pattern_trace(std::size_t n, double gap_s) {
    std::vector<trace::RequestRecord> r;
    for (std::size_t i = 0; i < n; ++i) {
        r.push_back(req(i, static_cast<double>(i) * gap_s, 8 + (i * 7) % 25, 4 + (i * 5) % 13));
    }
    return r;
}

ServingSearchInputs inputs(const Served& s, std::uint32_t chips) {
    ServingSearchInputs in;
    in.spec = s.spec;
    in.spec.chips = chips;
    in.spec.plan.automatic = true;
    in.cost = s.cost;
    in.bits = 4;
    return in;
}

/// The DES summary of `c` for `requests`.
ServingSummary simulate(const ServingCandidate& c,
                        const ServingSpec& base,
                        const std::vector<trace::RequestRecord>& requests) {
    Served s("tiny", c.tp, c.pp, c.dp);
    s.in.serving = base;
    s.in.serving.max_batch = c.max_batch;
    s.in.serving.max_batched_tokens = c.max_batched_tokens;
    s.in.serving.chunked_prefill = c.chunked_prefill;
    s.in.requests = requests;
    dist::LoopbackTransport transport;
    const des::BlockPartitioner part;
    return summarize(run_serving(s.in, {}, transport, part), s.in.serving);
}

/// Spearman's ρ of two equally long samples (average ranks for ties).
double spearman(const std::vector<double>& a, const std::vector<double>& b) {
    const auto ranks = [](const std::vector<double>& v) {
        std::vector<std::size_t> idx(v.size());
        for (std::size_t i = 0; i < idx.size(); ++i) {
            idx[i] = i;
        }
        std::sort(idx.begin(), idx.end(),
                  [&](std::size_t x, std::size_t y) { return v[x] < v[y]; });
        std::vector<double> r(v.size());
        for (std::size_t i = 0; i < idx.size();) {
            std::size_t j = i;
            while (j + 1 < idx.size() && v[idx[j + 1]] == v[idx[i]]) {
                ++j;
            }
            for (std::size_t k = i; k <= j; ++k) {
                r[idx[k]] = (static_cast<double>(i) + static_cast<double>(j)) / 2.0;
            }
            i = j + 1;
        }
        return r;
    };
    const auto ra = ranks(a);
    const auto rb = ranks(b);
    const auto n = static_cast<double>(a.size());
    double ma = 0, mb = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        ma += ra[i] / n;
        mb += rb[i] / n;
    }
    double sab = 0, saa = 0, sbb = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        sab += (ra[i] - ma) * (rb[i] - mb);
        saa += (ra[i] - ma) * (ra[i] - ma);
        sbb += (rb[i] - mb) * (rb[i] - mb);
    }
    return saa > 0 && sbb > 0 ? sab / std::sqrt(saa * sbb) : 1.0;
}

TEST(ServingPlanSearch, LoneRequestTtftIsTheSimulatedOne) {
    // Requests 1 s apart never meet: TTFT = dispatch + the prefill iteration, which the model
    // prices with the DES's own iteration cost; the wait term is busy·period/2 with busy ~1e-6.
    // TPOT: decode steps at the trace's mean context instead of each request's own.
    const auto requests = pattern_trace(6, 1.0);
    Served s("tiny", 2, 1, 1);
    ServingSearchInputs in = inputs(s, 2);
    for (const ServingCandidate c :
         {ServingCandidate{1, 1, 1, 8, 64, false}, ServingCandidate{2, 1, 1, 8, 64, false},
          ServingCandidate{1, 2, 1, 8, 64, false}}) {
        const ServingPrediction p =
            predict_serving(*workload::find_preset("tiny"), requests, in, c);
        const ServingSummary d = simulate(c, in.spec.scheduler, requests);
        // The prefill of a prompt between two powers of two is interpolated: 5 % of the
        // compute part (TTFT without the dispatch latency) covers it.
        const double dispatch = in.spec.scheduler.dispatch_latency_ns * 1e-9;
        EXPECT_NEAR(p.ttft.mean, d.ttft.mean, 0.05 * (d.ttft.mean - dispatch)) << c.tp << c.pp;
        EXPECT_NEAR(p.tpot.mean, d.tpot.mean, 0.05 * d.tpot.mean) << c.tp << " " << c.pp;
    }
}

// Overload: requests arrive twice as fast as a lone one is served (gap = half the simulated
// end-to-end time of a lone request), so the queue and TTFT grow over the trace and decode
// steps stall behind the newcomers' prefills. The replayed queues must follow the DES: TTFT
// and TPOT means within 25 %.
TEST(ServingPlanSearch, OverloadQueuesAsTheDesDoes) {
    Served s("tiny", 1, 1, 1);
    ServingSearchInputs in = inputs(s, 1);
    in.spec.scheduler.dispatch_latency_ns = 1.0;  // the chip's work alone sets the pace
    const auto lone = pattern_trace(1, 1.0);
    const ServingCandidate c{1, 1, 1, 8, 64, false};
    const double service = simulate(c, in.spec.scheduler, lone).e2e.mean;
    const auto requests = pattern_trace(60, service / 2.0);
    const ServingPrediction p = predict_serving(*workload::find_preset("tiny"), requests, in, c);
    const ServingSummary d = simulate(c, in.spec.scheduler, requests);
    ASSERT_GT(d.ttft.p99, 3.0 * d.ttft.p50 / 2.0) << "not overloaded";
    EXPECT_NEAR(p.ttft.mean, d.ttft.mean, 0.25 * d.ttft.mean);
    EXPECT_NEAR(p.tpot.mean, d.tpot.mean, 0.25 * d.tpot.mean);
    RecordProperty("ttft_predicted_simulated",
                   std::to_string(p.ttft.mean) + " " + std::to_string(d.ttft.mean));
    RecordProperty("tpot_predicted_simulated",
                   std::to_string(p.tpot.mean) + " " + std::to_string(d.tpot.mean));
}

TEST(ServingPlanSearch, FixedLimitsStayFixedAndExclusionsAreCounted) {
    // tiny: 4 heads, d_ff 256, 2 layers; budget 4 chips. (tp, pp) with tp·pp ≤ 4: tp 3 divides
    // neither 4 heads nor d_ff 256: (3, 1) excluded for divisibility with its dp = 1 → 1 plan
    // shape; pp ≤ 2 since 2 layers... pp 3 and 4 exceed the layers and are not enumerated.
    // Feasible (tp, pp, dp): tp 1: pp 1 dp 1..4, pp 2 dp 1..2; tp 2: pp 1 dp 1..2, pp 2 dp 1;
    // tp 4: pp 1 dp 1 → 10 shapes, each with the one fixed set of limits.
    const auto requests = pattern_trace(20, 0.01);
    Served s("tiny", 1, 1, 1);
    ServingSearchInputs in = inputs(s, 4);
    in.spec.scheduler.max_batch = 3;
    in.spec.scheduler.max_batched_tokens = 64;
    in.spec.scheduler.chunked_prefill = false;
    in.fixed_max_batch = in.fixed_max_batched_tokens = in.fixed_chunked_prefill = true;
    const ServingSearchResult r =
        search_serving_plans(*workload::find_preset("tiny"), requests, in);
    EXPECT_EQ(r.ranked.size(), 10U);
    EXPECT_EQ(r.excluded[0], 1U);
    for (const auto& p : r.ranked) {
        EXPECT_EQ(p.plan.max_batch, 3U);
        EXPECT_EQ(p.plan.max_batched_tokens, 64U);
        EXPECT_FALSE(p.plan.chunked_prefill);
    }
    // Unfixed: 3 batch sizes × 2 budgets × chunked on/off, but without chunked prefill a
    // budget of 2048 still holds every tiny request (context 64): 10 × 12 plans.
    in.fixed_max_batch = in.fixed_max_batched_tokens = in.fixed_chunked_prefill = false;
    EXPECT_EQ(search_serving_plans(*workload::find_preset("tiny"), requests, in).ranked.size(),
              120U);
}

TEST(ServingPlanSearch, ChosenPlanIsTheDesBestOfASmallSet) {
    // 40 requests at 2000 requests/s on up to 4 chips, max batch 2: the replicas saturate to
    // different degrees, so the plans' simulated goodput under a TTFT SLO differ.
    const auto requests = pattern_trace(40, 0.0005);
    Served s("tiny", 1, 1, 1);
    ServingSearchInputs in = inputs(s, 4);
    in.spec.scheduler.max_batch = 2;
    in.spec.scheduler.max_batched_tokens = 64;
    in.spec.scheduler.slo_ttft_s = 0.002;
    in.fixed_max_batch = in.fixed_max_batched_tokens = in.fixed_chunked_prefill = true;
    const ServingSearchResult r =
        search_serving_plans(*workload::find_preset("tiny"), requests, in);
    std::vector<double> predicted;
    std::vector<double> simulated;
    double best = 0.0;
    for (const auto& p : r.ranked) {
        const ServingSummary d = simulate(p.plan, in.spec.scheduler, requests);
        predicted.push_back(p.prediction.goodput_rps);
        simulated.push_back(d.goodput_rps);
        best = std::max(best, d.goodput_rps);
    }
    const double rho = spearman(predicted, simulated);
    RecordProperty("spearman", std::to_string(rho));
    EXPECT_GE(simulated.front(), 0.95 * best) << "chosen tp " << r.best().plan.tp << " pp "
                                              << r.best().plan.pp << " dp " << r.best().plan.dp;
    EXPECT_GE(rho, 0.9);
}

/// The search of `requests` on `ranks` in-process ranks: every rank's result.
std::vector<ServingSearchResult> search_on(const std::vector<trace::RequestRecord>& requests,
                                           const ServingSearchInputs& in,
                                           int ranks) {
    std::vector<ServingSearchResult> results(static_cast<std::size_t>(ranks));
    fixture::on_loopback_ranks(ranks, [&](des::Transport& t) {
        results[static_cast<std::size_t>(to_underlying(t.rank()))] =
            search_serving_plans(*workload::find_preset("tiny"), requests, in, &t);
    });
    return results;
}

/// Same plans in the same order with exactly the same predictions, same exclusions.
void expect_same_search(const ServingSearchResult& a, const ServingSearchResult& b) {
    ASSERT_EQ(a.ranked.size(), b.ranked.size());
    for (std::size_t i = 0; i < a.ranked.size(); ++i) {
        EXPECT_EQ(a.ranked[i].plan, b.ranked[i].plan) << "rank " << i;
        const auto fields = [](const ServingPrediction& p) {
            return std::make_tuple(p.ttft.mean, p.ttft.p50, p.ttft.p90, p.ttft.p99, p.tpot.mean,
                                   p.tpot.p50, p.tpot.p90, p.tpot.p99, p.e2e_mean_s, p.duration_s,
                                   p.throughput_rps, p.throughput_tps, p.goodput_rps, p.energy_j,
                                   p.utilization, p.concurrency, p.kv_capacity_blocks);
        };
        EXPECT_EQ(fields(a.ranked[i].prediction), fields(b.ranked[i].prediction)) << "rank " << i;
        EXPECT_EQ(a.ranked[i].objective, b.ranked[i].objective) << "rank " << i;
    }
    EXPECT_EQ(a.excluded, b.excluded);
    EXPECT_EQ(a.example, b.example);
    EXPECT_EQ(a.holds_every_request, b.holds_every_request);
}

// The ranks split the plans by cost class (tiny on up to 8 chips: 11 classes of very different
// sizes) and every rank ends with the serial search's result, on 1, 2, 3 and 5 ranks (more
// ranks than some sizes of work) and on one rank of 3 threads. Also when no plan holds every
// request (a token budget below the longest context, chunked prefill off): the plans that hold
// the weights are then ranked.
TEST(ServingPlanSearch, RanksSplitThePlansAndAllGetTheSerialResult) {
    const auto requests = pattern_trace(30, 0.002);
    Served s("tiny", 1, 1, 1);
    ServingSearchInputs in = inputs(s, 8);
    for (const bool unfit : {false, true}) {
        if (unfit) {
            in.spec.scheduler.max_batched_tokens = 16;
            in.spec.scheduler.chunked_prefill = false;
            in.fixed_max_batched_tokens = in.fixed_chunked_prefill = true;
        }
        const ServingSearchResult serial =
            search_serving_plans(*workload::find_preset("tiny"), requests, in);
        ASSERT_EQ(serial.holds_every_request, !unfit);
        ASSERT_GT(serial.ranked.size(), 20U);
        // Threads on one rank only: in-process ranks that each start TBB threads would race
        // inside oneTBB (its global_control set against another thread's arena start, which
        // ThreadSanitizer reports), and under MPI every rank is a process of its own.
        for (const auto& [ranks, threads] :
             {std::pair{1, 1U}, {1, 3U}, {2, 1U}, {3, 1U}, {5, 1U}}) {
            in.threads = threads;
            for (const ServingSearchResult& r : search_on(requests, in, ranks)) {
                SCOPED_TRACE(::testing::Message()
                             << ranks << " ranks, " << threads << " threads, unfit " << unfit);
                expect_same_search(serial, r);
            }
        }
        in.threads = 1;
    }
}

// A stop signal (SIGTERM under a batch system's time limit) ends the search on every rank as
// an interruption, not a hang or a result.
TEST(ServingPlanSearch, AStopSignalInterruptsEveryRank) {
    const auto requests = pattern_trace(10, 0.01);
    Served s("tiny", 1, 1, 1);
    const ServingSearchInputs in = inputs(s, 4);
    des::request_stop(SIGTERM);
    EXPECT_THROW(search_serving_plans(*workload::find_preset("tiny"), requests, in), Interrupted);
    std::vector<int> interrupted(2, 0);
    fixture::on_loopback_ranks(2, [&](des::Transport& t) {
        try {
            search_serving_plans(*workload::find_preset("tiny"), requests, in, &t);
        } catch (const Interrupted& e) {
            interrupted[static_cast<std::size_t>(to_underlying(t.rank()))] = e.signal();
        }
    });
    des::clear_stop_request();
    EXPECT_EQ(interrupted, (std::vector<int>{SIGTERM, SIGTERM}));
}

}  // namespace
}  // namespace ltdes::serving
