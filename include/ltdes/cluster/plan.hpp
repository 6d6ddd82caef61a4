// SPDX-License-Identifier: MIT
// The parallel plan: which chip holds which layers, heads, FFN columns and requests.
#pragma once

#include "ltdes/cluster/cluster_spec.hpp"
#include "ltdes/workload/model_shape.hpp"

#include <cstdint>

namespace ltdes::cluster {

/// A contiguous range [begin, begin + count).
struct Range {
    std::uint32_t begin = 0;
    std::uint32_t count = 0;

    std::uint32_t end() const { return begin + count; }

    friend bool operator==(const Range&, const Range&) = default;
};

/// Part `index` of `total` items split over `parts` as evenly as possible, contiguously: the
/// first `total % parts` parts get one more (25 over 4 → 7, 6, 6, 6). Requires parts > 0.
Range split_even(std::uint32_t total, std::uint32_t parts, std::uint32_t index);

/// Position of a chip in the plan. Chip ids are (dp, pp, tp) row-major (docs/commands.md).
struct ChipCoord {
    std::uint32_t dp = 0;
    std::uint32_t pp = 0;
    std::uint32_t tp = 0;

    friend bool operator==(const ChipCoord&, const ChipCoord&) = default;
};

/// A resolved plan for one model and workload. Invariants: tp ≤ n_heads, tp ≤ d_ff,
/// pp ≤ layers, 1 ≤ microbatches ≤ the largest replica's requests; dp may exceed the batch
/// (replicas without requests idle).
class Plan {
public:
    /// Resolves `spec.plan` (automatic: choose_auto for spec.chips) and spec.microbatches.
    /// Throws ConfigError when an explicit plan does not fit the model (`where` names the
    /// source of the plan).
    Plan(const ClusterSpec& spec,
         const workload::ModelShape& model,
         const workload::WorkloadSpec& workload,
         std::string_view where = "plan");

    /// The documented auto plan: among the factorizations chips = tp·pp·dp with tp ≤ n_heads
    /// and pp ≤ layers, the one that (1) keeps the most chips busy, tp·pp·min(dp, batch);
    /// (2) has the smallest largest factor (balanced); (3) has the smallest tp (fewer
    /// all-reduces), then the smallest pp. Deterministic; (1, 1, chips) is always feasible.
    static PlanSpec choose_auto(std::uint32_t chips,
                                const workload::ModelShape& model,
                                const workload::WorkloadSpec& workload);

    std::uint32_t tp() const { return tp_; }

    std::uint32_t pp() const { return pp_; }

    std::uint32_t dp() const { return dp_; }

    /// Expert-parallel degree: replicas g·ep … g·ep + ep − 1 (same stage and tensor rank) form
    /// an expert group, and lane j = dp mod ep holds the experts e with e mod ep = j.
    std::uint32_t ep() const { return ep_; }

    std::uint32_t chips() const { return tp_ * pp_ * dp_; }

    /// Micro-batches each replica's requests are split into for the pipeline.
    std::uint32_t microbatches() const { return microbatches_; }

    bool automatic() const { return automatic_; }

    ChipCoord coord(std::uint32_t chip) const;

    std::uint32_t chip(ChipCoord c) const { return (c.dp * pp_ + c.pp) * tp_ + c.tp; }

    /// Layers of pipeline stage `stage` (contiguous, as even as possible, earlier stages larger).
    Range layers(std::uint32_t stage) const { return split_even(model_.layers, pp_, stage); }

    /// The stage holding `layer` (< layers).
    std::uint32_t stage_of_layer(std::uint32_t layer) const;

    /// Attention (query) heads of tensor rank `t`.
    Range heads(std::uint32_t t) const { return split_even(model_.n_heads, tp_, t); }

    /// KV heads tensor rank `t` holds: every KV group its query heads use, so KV heads fewer
    /// than tp are replicated and uneven GQA splits stay exact.
    Range kv_heads(std::uint32_t t) const;

    /// FFN hidden columns of tensor rank `t` (of d_ff; per expert for MoE).
    Range ffn_columns(std::uint32_t t) const { return split_even(model_.d_ff, tp_, t); }

    /// LM-head (vocabulary) columns of tensor rank `t`.
    Range vocab_columns(std::uint32_t t) const { return split_even(model_.vocab, tp_, t); }

    /// Requests (of the batch) served by replica `d`; empty for idle replicas.
    Range requests(std::uint32_t d) const { return split_even(workload_.batch, dp_, d); }

    /// Replicas that serve at least one request.
    std::uint32_t active_replicas() const { return dp_ < workload_.batch ? dp_ : workload_.batch; }

    /// Requests of micro-batch `mb` of replica `d` (relative to requests(d).begin).
    Range microbatch_requests(std::uint32_t d, std::uint32_t mb) const {
        return split_even(requests(d).count, microbatches_, mb);
    }

    const workload::ModelShape& model() const { return model_; }

    const workload::WorkloadSpec& workload() const { return workload_; }

private:
    /// Throws ConfigError when ep > 1 does not fit the model, the plan or the topology.
    void check_expert_parallel(const ClusterSpec& spec, std::string_view where) const;

    workload::ModelShape model_;
    workload::WorkloadSpec workload_;
    std::uint32_t tp_ = 1;
    std::uint32_t pp_ = 1;
    std::uint32_t dp_ = 1;
    std::uint32_t ep_ = 1;
    std::uint32_t microbatches_ = 1;
    bool automatic_ = true;
};

}  // namespace ltdes::cluster
