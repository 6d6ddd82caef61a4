// SPDX-License-Identifier: MIT
// `--plan`, `--objective` and `--search-csv` of `lt-des run`, for static and request traces.
#include "cli/plan_search_options.hpp"

#include "cli/options.hpp"

#include "ltdes/core/error.hpp"

#include <fmt/format.h>

#include <fstream>

namespace ltdes::cli {

/// `--plan` and `--objective`: a plan search when the plan is automatic (the default, `--plan
/// auto` or `--plan search`), for the objective given (default makespan, goodput for a request
/// trace).
std::optional<cluster::Objective> search_objective(const cxxopts::ParseResult& args,
                                                   config::RunSpec& spec,
                                                   bool request_trace) {
    const auto plan = optional_arg<std::string>(args, "plan");
    const auto objective = optional_arg<std::string>(args, "objective");
    if (plan) {
        if (*plan != "auto" && *plan != "search") {
            throw UsageError(fmt::format("--plan: expected auto or search, got '{}'", *plan));
        }
        if (args.count("tp") + args.count("pp") + args.count("dp") > 0) {
            throw UsageError(fmt::format("--plan {} and --tp/--pp/--dp: give one plan", *plan));
        }
        spec.cluster.plan.automatic = true;
    }
    if (!spec.cluster.plan.automatic) {
        if (objective) {
            throw UsageError(
                "--objective: an explicit plan (--tp/--pp/--dp or the cluster's plan) "
                "is not searched; use --plan search");
        }
        return std::nullopt;
    }
    if (!objective) {
        return request_trace ? cluster::Objective::goodput : cluster::Objective::makespan;
    }
    const auto o = cluster::parse_objective(*objective);
    if (!o) {
        throw UsageError(fmt::format(
            "--objective: expected makespan, energy, edp, ttft, tpot, throughput or goodput, got "
            "'{}'",
            *objective));
    }
    return o;
}

void write_search_csv(const std::string& path, const cluster::PlanSearchResult& r) {
    std::ofstream f(path);
    f << cluster::format_search_csv(r);
    if (!f) {
        throw OutputError(fmt::format("{}: cannot write the plan search CSV", path));
    }
}

}  // namespace ltdes::cli
