// SPDX-License-Identifier: MIT
// The plan search: every (tp, pp, dp, micro-batches) that fits the cluster and the chips' DRAM,
// scored by an analytic pass over the trace (the chip cost model, the collective closed forms
// and the topology; no DES), ranked by an objective (docs/plan-search.md).
#pragma once

#include "ltdes/cluster/chip_model.hpp"
#include "ltdes/cluster/cluster_spec.hpp"
#include "ltdes/cluster/plan.hpp"
#include "ltdes/workload/model_shape.hpp"
#include "ltdes/workload/op.hpp"

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace ltdes::cluster {

/// What the search minimises (or maximises, for throughput and goodput).
enum class Objective : std::uint8_t { makespan, energy, edp, ttft, tpot, throughput, goodput };

inline constexpr std::array<std::string_view, 7> kObjectiveNames = {
    "makespan", "energy", "edp", "ttft", "tpot", "throughput", "goodput"};

/// Parses an objective name; nullopt when unknown.
std::optional<Objective> parse_objective(std::string_view s);

std::string_view objective_name(Objective o);

/// A static trace reduced to what the score needs: its distinct op shapes, and for every pass
/// (prefill, each decode step, or the encoder pass) which of them each layer runs, which run
/// outside the blocks on the first and the last stage, and which outputs cross each layer
/// boundary. Memory: O(distinct shapes + passes · layers · ops per layer).
class TraceProfile {
public:
    TraceProfile(const workload::ModelShape& model, const workload::WorkloadSpec& workload);

    /// Adds the next logical op (trace order; ids 0, 1, 2, …).
    void add(const workload::Op& op);

    /// Ends the stream (resolves which outputs cross layer boundaries). Call once.
    void finish();

    static constexpr std::uint32_t kEntryWaited = 1;  ///< an op of the same pass waits for it
    static constexpr std::uint32_t kEntryShape = 2;   ///< entry / kEntryShape = shape index

    /// The ops of one layer of one pass, a small DAG: entries shape·kEntryShape + flags in
    /// trace order, and for each the earlier entries of the layer it waits for (anything else
    /// it waits for is the layer's input). Layers of one pass usually share one LayerShape.
    struct LayerShape {
        std::vector<std::uint32_t> entries;
        std::vector<std::vector<std::uint32_t>> deps;

        friend bool operator<(const LayerShape& a, const LayerShape& b) {
            return std::tie(a.entries, a.deps) < std::tie(b.entries, b.deps);
        }
    };

    /// One pass of the model.
    struct Pass {
        workload::Phase phase = workload::Phase::encoder;
        std::vector<std::uint32_t> layer_shape;  ///< per layer: index into layer_shapes()
        std::vector<std::uint32_t> first_ops;    ///< entries outside blocks, first stage
        std::vector<std::uint32_t> last_ops;     ///< entries outside blocks, last stage
        /// Per boundary b (between layer b and b + 1): shapes of the outputs a later layer
        /// waits for.
        std::vector<std::vector<std::uint32_t>> boundary_ops;
    };

    const workload::ModelShape& model() const { return model_; }

    const workload::WorkloadSpec& workload() const { return workload_; }

    const std::vector<workload::Op>& shapes() const { return shapes_; }

    const std::vector<Pass>& passes() const { return passes_; }

    const std::vector<LayerShape>& layer_shapes() const { return layer_shapes_; }

    /// False when a GEMM has no tensor-parallel role (such a trace only runs with tp = 1).
    bool tp_capable() const { return tp_capable_; }

    std::uint64_t logical_ops() const { return ops_; }

private:
    std::uint32_t shape_index(const workload::Op& op);

    workload::ModelShape model_;
    workload::WorkloadSpec workload_;
    Plan layer_plan_;  ///< one layer per stage: tells first-stage from last-stage extra ops
    std::vector<workload::Op> shapes_;
    std::vector<Pass> passes_;
    std::vector<LayerShape> layer_shapes_;
    std::vector<std::vector<LayerShape>> open_layers_;  ///< per pass, per layer, until finish()
    static constexpr std::int32_t kFirst = -1;          ///< outside blocks, first stage
    static constexpr std::int32_t kLast = -2;           ///< outside blocks, last stage

    /// Per op id until finish().
    struct IdInfo {
        std::int32_t place = 0;           ///< its layer, kFirst or kLast
        std::int32_t last_consumer = -1;  ///< largest later layer of the pass that waits for it
        std::uint32_t pass = 0;
        std::uint32_t shape = 0;
        std::uint32_t pos = 0;  ///< index in its layer's entries (or first/last list)
        bool waited = false;    ///< an op of the same pass waits for it
    };

    std::vector<IdInfo> ids_;
    /// Distinct shapes: (name, phase, kind, role, m, n, k, count) → index into shapes_.
    std::map<std::tuple<std::string,
                        int,
                        int,
                        int,
                        std::uint64_t,
                        std::uint64_t,
                        std::uint64_t,
                        std::uint64_t>,
             std::uint32_t>
        index_;
    std::uint64_t ops_ = 0;
    workload::Phase last_phase_ = workload::Phase::encoder;
    std::uint32_t last_step_ = 0;
    bool tp_capable_ = true;
    bool finished_ = false;
};

/// One plan the search considers.
struct PlanCandidate {
    std::uint32_t tp = 1;
    std::uint32_t pp = 1;
    std::uint32_t dp = 1;
    std::uint32_t microbatches = 1;
    std::uint32_t ep = 1;  ///< expert parallelism (models with experts; divides dp)

    std::uint32_t chips() const { return tp * pp * dp; }

    friend bool operator==(const PlanCandidate&, const PlanCandidate&) = default;
};

/// The analytic figures of one plan.
struct PlanPrediction {
    double makespan_s = 0.0;
    double ttft_s = 0.0;    ///< end of the prefill pass (decoders)
    double tpot_s = 0.0;    ///< (makespan − TTFT) / decode steps (decoders with decode > 0)
    double energy_j = 0.0;  ///< ops, all-reduces, pipeline transfers, static power if enabled
    double throughput_tok_s = 0.0;  ///< generated tokens/s (encoders: processed tokens/s)
    std::uint64_t dram_bytes = 0;   ///< the fullest chip's weights and KV cache
};

/// The figure `o` of `p`, oriented so that smaller is better (throughput is negated).
double objective_value(const PlanPrediction& p, Objective o);

/// The figure `o` of `p` in display units (ms, J, J·s, tok/s).
double objective_display(const PlanPrediction& p, Objective o);

/// Unit of objective_display.
std::string_view objective_unit(Objective o);

/// Why a plan is not considered.
enum class Exclusion : std::uint8_t {
    divisibility,  ///< tp does not divide the heads and d_ff, or pp the layers
    memory,        ///< a chip's weights and KV cache exceed its DRAM
    bus_readers,   ///< the bus cannot reach tp − 1 readers
    tp_role,       ///< tp > 1 but a GEMM of the trace has no tensor-parallel role
};

inline constexpr std::array<std::string_view, 4> kExclusionNames = {"divisibility", "memory",
                                                                    "bus_readers", "tp_role"};

/// What the search is given besides the trace.
struct PlanSearchInputs {
    ClusterSpec spec;        ///< topology, links, DRAM, overlap; spec.chips is the budget
    OpCostFn cost;           ///< the chips' op cost (every chip is costed as this one)
    std::uint32_t bits = 4;  ///< arch precision (bytes on links, DRAM footprint)
    /// A chip's SRAM for weights, bytes: the matrices that fit stay resident after their first
    /// use, as the chips keep them (cluster::WeightResidency; 0: every use streams them).
    std::uint64_t sram_bytes = 0;
    Objective objective = Objective::makespan;
    std::uint32_t microbatches = 0;  ///< 0: search them; else only this many
    /// A chip's laser power, mW: with spec.static_power.enabled the energy score charges it
    /// while a plan chip's cores idle, plus link idle power (chips left out of the plan are
    /// not in the run's cluster and cost nothing).
    double laser_mw = 0.0;
};

/// A plan with its prediction.
struct ScoredPlan {
    PlanCandidate plan;
    PlanPrediction prediction;
    double objective = 0.0;  ///< objective_value(prediction, inputs.objective)
};

/// The outcome of a search.
struct PlanSearchResult {
    Objective objective = Objective::makespan;
    std::uint32_t chips = 0;         ///< the budget
    std::vector<ScoredPlan> ranked;  ///< every feasible plan, best first (never empty)
    std::array<std::uint64_t, kExclusionNames.size()> excluded{};  ///< (tp, pp, dp) per reason
    std::array<std::string, kExclusionNames.size()> example;       ///< one excluded plan each
    double seconds = 0.0;                                          ///< wall time of the search
    double cpu_seconds = 0.0;  ///< CPU time of the search (this process)
    /// False when no plan fits DRAM: `ranked` then holds the plans of the smallest footprint.
    bool fits_memory = true;
    std::uint64_t smallest_need_bytes = 0;  ///< with !fits_memory: that footprint per chip
    std::uint64_t capacity_bytes = 0;       ///< with !fits_memory: a chip's DRAM

    const ScoredPlan& best() const { return ranked.front(); }
};

/// Scores one plan (which must fit the model: tp ≤ heads, pp ≤ layers, dp ≤ batch,
/// microbatches ≤ the largest replica's requests).
PlanPrediction predict_plan(const TraceProfile& profile,
                            const PlanSearchInputs& in,
                            const PlanCandidate& plan);

/// Enumerates every tp dividing the heads and d_ff, pp dividing the layers, dp ≤ batch with
/// tp·pp·dp ≤ spec.chips (fewer chips allowed: idle chips are a choice) and every number of
/// micro-batches, drops those that do not fit DRAM or the bus, scores the rest and ranks them
/// by the objective (ties: fewer chips, then smaller tp, pp, dp, micro-batches). When no plan
/// fits DRAM it ranks those with the smallest footprint (fits_memory = false). Throws
/// UsageError for an objective the trace has no figure for (ttft/tpot of an encoder, tpot
/// without decode steps, goodput of a static trace), ConfigError when no plan remains.
PlanSearchResult search_plans(const TraceProfile& profile, const PlanSearchInputs& in);

/// The dry-run text: the objective, the top `top` plans with their predicted figures, how many
/// plans were excluded and why, and the chips the best plan leaves idle.
std::string format_search_report(const PlanSearchResult& r,
                                 const TraceProfile& profile,
                                 std::size_t top = 5);

/// One line for the run's start: "plan search (objective): tp x pp x dp, M micro-batch(es) on
/// N of C chips (K idle), predicted …".
std::string format_search_choice(const PlanSearchResult& r);

/// Every ranked plan as CSV (tp,pp,dp,microbatches,chips,makespan_s,ttft_s,tpot_s,energy_j,
/// throughput_tok_s,objective), best first: for sweeps that check the score against the DES.
std::string format_search_csv(const PlanSearchResult& r);

}  // namespace ltdes::cluster
