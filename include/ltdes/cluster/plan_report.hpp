// SPDX-License-Identifier: MIT
// The human-readable resolved plan that `lt-des run --dry-run` prints.
#pragma once

#include "ltdes/cluster/cluster_spec.hpp"
#include "ltdes/cluster/op_census.hpp"
#include "ltdes/cluster/plan.hpp"
#include "ltdes/cluster/topology.hpp"

#include <cstdint>
#include <string>

namespace ltdes::cluster {

/// What the report needs besides the plan.
struct PlanReportInputs {
    std::string trace;                 ///< trace file as given
    std::string cluster_source;        ///< cluster YAML or "built-in"
    int ranks = 1;                     ///< MPI ranks of the run
    std::uint32_t bits = 4;            ///< arch precision for the DRAM fit
    const OpCensus* census = nullptr;  ///< op counts (null: not printed)
    /// > 0: the plan search chose the plan within this chip budget (reported as the
    /// cluster's chips, the plan as "searched" with the chips it leaves idle).
    std::uint32_t searched_budget = 0;
};

/// Rank owning `chip` of `chips` among `ranks` ranks: contiguous blocks, the first
/// chips % ranks ranks one chip more (des::BlockPartitioner's rule).
int rank_of_chip(std::uint32_t chip, std::uint32_t chips, int ranks);

/// The DRAM fit of the fullest chip: every (stage, tensor rank) of replica 0, which serves the
/// most requests.
struct DramFit {
    std::uint32_t worst_chip = 0;
    std::uint64_t worst_bytes = 0;
    std::uint64_t capacity_bytes = 0;
    std::uint32_t chips_over = 0;  ///< chips whose weights + KV cache exceed the capacity

    bool fits() const { return chips_over == 0; }
};

DramFit dram_fit(const Plan& plan, std::uint32_t bits, double capacity_gib);

/// One line for the run's start: "DRAM: fits (…)" or "DRAM: N chips do not fit (…)".
std::string format_dram_fit(const DramFit& fit, std::uint32_t bits);

/// Multi-line report: model, workload, cluster, plan, ranks, lookahead, op counts, one row per
/// (stage, tensor rank) with its chips, layers, heads, KV heads, FFN columns and DRAM use, the
/// replicas' requests, and the DRAM fit.
std::string format_plan_report(const ClusterSpec& spec,
                               const Plan& plan,
                               const Topology& topology,
                               const PlanReportInputs& in);

}  // namespace ltdes::cluster
