// SPDX-License-Identifier: MIT
// What `lt-des run` prints on rank 0 after a static-trace run.
#pragma once

#include "ltdes/cluster/plan_search.hpp"
#include "ltdes/config/run_spec.hpp"
#include "ltdes/sim/cluster_simulation.hpp"
#include "ltdes/sim/plan_search_run.hpp"

#include <string>

namespace ltdes::cli {

/// The stdout summary of a run: makespan, TTFT/TPOT, energy and its components, MoE figures,
/// events and windows, and where each rank spent its time.
std::string format_summary(const config::RunSpec& spec,
                           const sim::PlannedRun& planned,
                           const sim::RunOutcome& outcome,
                           int ranks);

/// "plan search     ...": the choice, and the predicted against the simulated objective.
std::string format_search_outcome(const cluster::PlanSearchResult& r,
                                  const sim::RunOutcome& outcome);

}  // namespace ltdes::cli
