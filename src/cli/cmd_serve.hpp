// SPDX-License-Identifier: MIT
// `lt-des run` on a request trace (lt-trace 2): the serving engine (serving/), its options and
// its stdout summary. cmd_run.cpp hands over when the trace holds request records.
#pragma once

#include "ltdes/cluster/plan_search.hpp"
#include "ltdes/config/run_spec.hpp"
#include "ltdes/dist/mpi_session.hpp"
#include "ltdes/trace/request_record.hpp"

#include <cxxopts.hpp>

#include <optional>
#include <vector>

namespace ltdes::cli {

/// Adds the serving flags (--scheduler, --max-batch, ...) to `run`'s options.
void add_serving_options(cxxopts::Options& options);

/// The serving flags given in `args` as cluster keys (`--max-batch 8` is
/// `scheduler.max_batch=8`), for config::RunArgs::flag_sets: the same precedence and checks as
/// every other key.
std::vector<config::FlagSet> serving_flag_sets(const cxxopts::ParseResult& args);

/// Serves the request trace `trace` (read from `spec.trace`) on every rank; with `objective`
/// the plan and scheduler limits are searched first. Rank 0 prints the summary (and the
/// search's predicted against simulated objective). Returns the exit code.
int run_serving_command(const config::RunSpec& spec,
                        trace::RequestTrace trace,
                        std::optional<cluster::Objective> objective,
                        const cxxopts::ParseResult& args,
                        const dist::MpiSession& mpi);

}  // namespace ltdes::cli
