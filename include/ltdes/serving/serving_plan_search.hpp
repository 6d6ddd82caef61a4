// SPDX-License-Identifier: MIT
// The plan search for request traces: every (tp, pp, dp) that fits the chips' DRAM (weights and
// the KV cache of the longest request) combined with a small set of scheduler limits, each
// scored by an analytic serving model built from the iteration cost of representative batches
// (no DES) and ranked by a serving objective (docs/plan-search.md, "Request traces").
#pragma once

#include "ltdes/cluster/chip_model.hpp"
#include "ltdes/cluster/cluster_spec.hpp"
#include "ltdes/cluster/plan_search.hpp"
#include "ltdes/serving/serving_spec.hpp"
#include "ltdes/serving/serving_summary.hpp"
#include "ltdes/trace/request_record.hpp"
#include "ltdes/workload/model_shape.hpp"

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ltdes::des {
class Transport;
}  // namespace ltdes::des

namespace ltdes::serving {

/// One serving plan: the chips' split and the replica scheduler's limits.
struct ServingCandidate {
    std::uint32_t tp = 1;
    std::uint32_t pp = 1;
    std::uint32_t dp = 1;
    std::uint32_t max_batch = 256;
    std::uint32_t max_batched_tokens = 8192;
    bool chunked_prefill = false;

    std::uint32_t chips() const { return tp * pp * dp; }

    friend bool operator==(const ServingCandidate&, const ServingCandidate&) = default;
};

/// The analytic serving figures of one plan, in the units of ServingSummary.
struct ServingPrediction {
    LatencyStats ttft;                     ///< s
    LatencyStats tpot;                     ///< s
    double e2e_mean_s = 0.0;               ///< s
    double duration_s = 0.0;               ///< last completion − first arrival, s
    double throughput_rps = 0.0;           ///< requests/s over duration_s
    double throughput_tps = 0.0;           ///< generated tokens/s over duration_s
    double goodput_rps = 0.0;              ///< requests meeting both SLOs per second
    double energy_j = 0.0;                 ///< every iteration's energy, J (serving runs charge no
                                           ///< static power, docs/serving.md)
    double utilization = 0.0;              ///< busy fraction of a replica (> 1: overloaded)
    std::uint32_t concurrency = 0;         ///< running requests per replica (model)
    std::uint64_t kv_capacity_blocks = 0;  ///< per replica
};

/// Why a serving plan is not considered.
enum class ServingExclusion : std::uint8_t {
    divisibility,  ///< tp does not divide the heads and d_ff, or pp the layers
    memory,        ///< weights, or weights and the longest request's KV cache, exceed a DRAM
    token_budget,  ///< without chunked prefill a request's context exceeds max_batched_tokens
};

inline constexpr std::array<std::string_view, 3> kServingExclusionNames = {"divisibility", "memory",
                                                                           "token_budget"};

/// What the search is given besides the requests.
struct ServingSearchInputs {
    cluster::ClusterSpec spec;     ///< topology, links, DRAM (a chip's), spec.chips is the budget;
                                   ///< spec.scheduler holds the fixed values below
    cluster::OpCostFn cost;        ///< every chip is costed as this one
    std::uint64_t sram_bytes = 0;  ///< weights kept on chip (0: none)
    std::uint32_t bits = 4;
    cluster::Objective objective = cluster::Objective::goodput;
    bool fixed_max_batch = false;  ///< keep spec.scheduler.max_batch (the user set it)
    bool fixed_max_batched_tokens = false;
    bool fixed_chunked_prefill = false;
    std::uint32_t threads = 1;  ///< TBB threads of this rank that score plans (--threads)
};

/// A serving plan with its prediction.
struct ScoredServingPlan {
    ServingCandidate plan;
    ServingPrediction prediction;
    double objective = 0.0;  ///< serving_objective_value(prediction, objective)
};

/// The outcome of a serving search.
struct ServingSearchResult {
    cluster::Objective objective = cluster::Objective::goodput;
    std::uint32_t chips = 0;                ///< the budget
    std::vector<ScoredServingPlan> ranked;  ///< every feasible plan, best first (never empty)
    std::array<std::uint64_t, kServingExclusionNames.size()> excluded{};  ///< plans per reason
    std::array<std::string, kServingExclusionNames.size()> example;
    double seconds = 0.0;           ///< wall time of the search
    double cpu_seconds = 0.0;       ///< CPU time of the search (this process)
    double arrival_rate_rps = 0.0;  ///< the trace's offered load
    /// False when every plan has a request it can never hold (KV or token budget): `ranked`
    /// then holds the plans that fit the weights.
    bool holds_every_request = true;

    const ScoredServingPlan& best() const { return ranked.front(); }
};

/// The scheduler limits tried where the user did not fix them (documented in
/// docs/plan-search.md).
inline constexpr std::array<std::uint32_t, 3> kMaxBatchCandidates = {16, 64, 256};
inline constexpr std::array<std::uint32_t, 2> kMaxBatchedTokensCandidates = {2048, 8192};

/// `o` of `p` oriented so that smaller is better (goodput and throughput negated). makespan is
/// the serving duration, ttft/tpot the means, throughput generated tokens/s, edp energy ×
/// duration.
double serving_objective_value(const ServingPrediction& p, cluster::Objective o);

/// `o` of `p` in display units (ms for times, J, J·s, tok/s, req/s for goodput).
double serving_objective_display(const ServingPrediction& p, cluster::Objective o);

/// Unit of serving_objective_display.
std::string_view serving_objective_unit(cluster::Objective o);

/// Scores one plan of `model` for `requests` (arrival order). Throws ConfigError when its
/// weights do not fit a chip.
ServingPrediction predict_serving(const workload::ModelShape& model,
                                  std::span<const trace::RequestRecord> requests,
                                  const ServingSearchInputs& in,
                                  const ServingCandidate& plan);

/// Enumerates tp dividing the heads and d_ff, pp dividing the layers, any dp with tp·pp·dp ≤
/// spec.chips, and the scheduler limits not fixed, drops what does not fit, scores the rest
/// and ranks them (ties: fewer chips, then smaller tp, pp, dp, larger limits, chunked off).
/// Throws ConfigError when no plan remains.
///
/// With a `transport`, collective: the ranks split the plans (by the (tp, pp, dp ≥ 2) classes
/// that share iteration costs) and every rank gets the whole result, the same for any rank
/// count. Stops with Interrupted on a stop signal (des::stop_signal) on every rank.
ServingSearchResult search_serving_plans(const workload::ModelShape& model,
                                         std::span<const trace::RequestRecord> requests,
                                         const ServingSearchInputs& in,
                                         des::Transport* transport = nullptr);

/// The dry-run text: objective, top plans with their predicted serving figures, exclusions and
/// the choice.
std::string format_serving_search_report(const ServingSearchResult& r, std::size_t top = 5);

/// One line: the chosen plan, its chips of the budget and its predicted objective.
std::string format_serving_search_choice(const ServingSearchResult& r);

/// Every ranked plan as CSV, best first (for sweeps that check the score against the DES).
std::string format_serving_search_csv(const ServingSearchResult& r);

}  // namespace ltdes::serving
