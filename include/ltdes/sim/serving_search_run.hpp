// SPDX-License-Identifier: MIT
// The plan search of `lt-des run` for a request trace: the requests read once, costed with the
// cluster's chip arch, every serving plan scored, the best one made the run's plan and
// scheduler limits.
#pragma once

#include "ltdes/config/run_spec.hpp"
#include "ltdes/serving/serving_plan_search.hpp"
#include "ltdes/trace/request_record.hpp"

#include <string>

namespace ltdes::sim {

/// Searches serving plans of `trace` on up to `spec.cluster.chips` chips for `objective`.
/// Every chip is costed as chip 0's arch; the scheduler limits the cluster YAML, a --set or a
/// flag gave stay fixed. Collective over `transport` (not null): the ranks split the plans and
/// every rank gets the same result, whatever their count.
serving::ServingSearchResult search_serving_plan(const config::RunSpec& spec,
                                                 const trace::RequestTrace& trace,
                                                 cluster::Objective objective,
                                                 des::Transport* transport);

/// `spec` with the searched plan and scheduler limits made explicit (chips = tp·pp·dp;
/// per-chip arch overrides beyond them dropped).
config::RunSpec with_searched_serving_plan(const config::RunSpec& spec,
                                           const serving::ServingSearchResult& result);

/// The objective `o` of a finished serving run, in serving_objective_display units.
double simulated_serving_objective(const serving::ServingSummary& summary, cluster::Objective o);

}  // namespace ltdes::sim
