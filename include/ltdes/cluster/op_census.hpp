// SPDX-License-Identifier: MIT
// Counts what a plan will run, from the stream of logical ops (for --dry-run and the
// end-of-run "every op executed once per shard" invariant).
#pragma once

#include "ltdes/cluster/cluster_spec.hpp"
#include "ltdes/cluster/plan.hpp"
#include "ltdes/cluster/topology.hpp"
#include "ltdes/workload/op.hpp"

#include <cstdint>
#include <vector>

namespace ltdes::cluster {

/// Per-stage counts of a trace under a plan. O(pp) memory whatever the trace length.
class OpCensus {
public:
    explicit OpCensus(const Plan& plan);

    /// Counts one logical op (in trace order).
    void add(const workload::Op& op);

    std::uint64_t logical_ops() const { return logical_ops_; }

    /// Model passes seen: prefill + decode steps, or one encoder pass.
    std::uint64_t passes() const { return passes_; }

    /// Logical ops run by pipeline stage `stage` (each of its busy chips runs a shard of each).
    std::uint64_t stage_ops(std::uint32_t stage) const { return stage_ops_.at(stage); }

    /// Ops of stage `stage` followed by a tensor-parallel all-reduce (0 when tp = 1).
    std::uint64_t stage_all_reduces(std::uint32_t stage) const {
        return stage_all_reduces_.at(stage);
    }

    /// Op shards the plan runs over all chips: every op once per tensor rank and per non-empty
    /// micro-batch of every replica (a micro-batch runs each op of its stage on its requests).
    std::uint64_t op_instances() const;

    /// All-reduces over all tensor-parallel groups (one per op needing it per micro-batch).
    std::uint64_t all_reduce_instances() const;

    /// Pipeline activation transfers: per pass, per non-empty micro-batch, per stage boundary
    /// (pp − 1), one per tensor rank.
    std::uint64_t pipeline_transfers() const;

    /// DES events the run will execute (for the progress line's share and ETA): one per op
    /// shard, and one per route hop of every all-reduce message (the schedule of `collective`
    /// over each tp group), pipeline transfer and generated token sent back from the last
    /// stage to the first after every pass but the last. A message held by a busy receive
    /// port adds one event, so this is exact only when no port queues (else a lower bound). A
    /// bus hop is one event at each reader (tp − 1 for a broadcast).
    std::uint64_t expected_events(const Topology& topology, const CollectiveSpec& collective) const;

private:
    Plan plan_;  // a copy: the census may outlive or move away from the caller's plan
    std::vector<std::uint64_t> stage_ops_;
    std::vector<std::uint64_t> stage_all_reduces_;
    std::uint64_t logical_ops_ = 0;
    std::uint64_t passes_ = 0;
    bool seen_any_ = false;
    workload::Phase last_phase_ = workload::Phase::encoder;
    std::uint32_t last_step_ = 0;
};

}  // namespace ltdes::cluster
