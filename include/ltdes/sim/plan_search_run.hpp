// SPDX-License-Identifier: MIT
// The plan search of `lt-des run` for a static trace: the trace read once into a profile,
// costed with the cluster's chip arch, every plan scored, the best one made the run's plan.
#pragma once

#include "ltdes/cluster/plan_search.hpp"
#include "ltdes/config/run_spec.hpp"
#include "ltdes/stats/run_summary.hpp"

#include <memory>
#include <string>

namespace ltdes::sim {

/// A finished search and the profile it scored.
struct SearchedPlan {
    std::unique_ptr<cluster::TraceProfile> profile;
    cluster::PlanSearchResult result;
};

/// Searches the plans of `spec.trace` (a static trace) on up to `spec.cluster.chips` chips for
/// `objective`. Every chip is costed as chip 0's arch (`--arch`/`arch`, `--opt` applied); an
/// explicit `microbatches` fixes the micro-batches. Pure given its inputs, so every rank picks
/// the same plan. Throws like plan_run for a bad trace, ConfigError when nothing fits DRAM.
SearchedPlan search_run_plan(const config::RunSpec& spec, cluster::Objective objective);

/// `spec` with the searched plan made explicit: chips = tp·pp·dp, the plan and its
/// micro-batches; per-chip arch overrides beyond the plan's chips are dropped.
config::RunSpec with_searched_plan(const config::RunSpec& spec,
                                   const cluster::PlanSearchResult& result);

/// The objective `o` of a finished run, in the units of cluster::objective_display.
double simulated_objective(const stats::RunSummary& summary, double energy_j, cluster::Objective o);

/// "# plan search: ..." YAML comment lines for /metadata/config: the objective, the plan, its
/// predicted figures and the budget.
std::string search_config_comment(const cluster::PlanSearchResult& result);

}  // namespace ltdes::sim
