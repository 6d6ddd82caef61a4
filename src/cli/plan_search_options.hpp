// SPDX-License-Identifier: MIT
// `--plan`, `--objective` and `--search-csv` of `lt-des run`.
#pragma once

#include "ltdes/cluster/plan_search.hpp"
#include "ltdes/config/run_spec.hpp"

#include <cxxopts.hpp>

#include <optional>
#include <string>

namespace ltdes::cli {

/// `--plan` and `--objective`: the objective of a plan search when the plan is automatic (the
/// default, `--plan auto` or `--plan search`; default makespan, goodput for a request trace),
/// none for an explicit plan. Marks the plan automatic for `--plan`; throws UsageError.
std::optional<cluster::Objective> search_objective(const cxxopts::ParseResult& args,
                                                   config::RunSpec& spec,
                                                   bool request_trace);

/// Writes every plan the search scored, best first, to `path` (OutputError when it cannot).
void write_search_csv(const std::string& path, const cluster::PlanSearchResult& r);

}  // namespace ltdes::cli
