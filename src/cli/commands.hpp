// SPDX-License-Identifier: MIT
// The subcommands of lt-des. Each takes argv with the subcommand word removed (argv[0] stays the
// program name) and returns the process exit code (0 ok, 2 bad input, 1 internal error).
#pragma once

#include "cli/estimate_output.hpp"

namespace ltdes::cli {

int cmd_run(int argc, char** argv);    // MPI
int cmd_bench(int argc, char** argv);  // MPI
/// `open_output` writes `--out`; null in the front end, which hands --out to lt-des-mpi.
int cmd_estimate(int argc, char** argv, EstimateOutputOpener open_output);
int cmd_profile(int argc, char** argv);
int cmd_trace(int argc, char** argv);

/// `lt-des --version` text: version, commit, MPI/HDF5/TBB versions built with.
void print_version();

}  // namespace ltdes::cli
