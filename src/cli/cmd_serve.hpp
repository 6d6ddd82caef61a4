// SPDX-License-Identifier: MIT
// `lt-des run` on a request trace (lt-trace 2): the serving engine (serving/), its options and
// its stdout summary. cmd_run.cpp hands over when the trace holds request records.
#pragma once

#include "ltdes/config/run_spec.hpp"
#include "ltdes/dist/mpi_session.hpp"

#include <cxxopts.hpp>

#include <filesystem>

namespace ltdes::cli {

/// Adds the serving flags (--scheduler, --max-batch, ...) to `run`'s options.
void add_serving_options(cxxopts::Options& options);

/// True when `trace` is a request trace (version 2).
bool is_request_trace(const std::filesystem::path& trace);

/// Serves the request trace of `spec` (flags in `args` override the scheduler.* keys) on every
/// rank; rank 0 prints the summary. Returns the exit code.
int run_serving_command(const config::RunSpec& spec,
                        const cxxopts::ParseResult& args,
                        const dist::MpiSession& mpi);

}  // namespace ltdes::cli
