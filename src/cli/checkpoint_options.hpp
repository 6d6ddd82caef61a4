// SPDX-License-Identifier: MIT
// `--checkpoint DIR`, `--checkpoint-every TIME`, `--checkpoint-wall MINUTES`, `--restart DIR` of
// `lt-des run` (docs/commands.md, docs/robustness.md).
#pragma once

#include "ltdes/core/sim_time.hpp"
#include "ltdes/sim/checkpoint_request.hpp"

#include <cxxopts.hpp>

#include <string>

namespace ltdes::cli {

/// Adds the checkpoint flags to `options`.
void add_checkpoint_options(cxxopts::Options& options);

/// The checkpoint flags given; throws UsageError for a bad value or a period without
/// --checkpoint.
sim::CheckpointRequest checkpoint_request(const cxxopts::ParseResult& args);

/// A simulated duration: a number with a unit ps, ns, us, ms or s (`5ms`, `2.5 us`, `1e-3s`);
/// a bare number is seconds. Throws UsageError naming `flag` unless it is > 0 and finite.
SimTime parse_duration(const std::string& text, const char* flag);

}  // namespace ltdes::cli
