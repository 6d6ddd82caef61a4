// SPDX-License-Identifier: MIT
// Running a subcommand under MPI so that every rank ends with the same exit code.
#pragma once

#include "ltdes/dist/mpi_session.hpp"

#include <functional>

namespace ltdes::cli {

/// Runs `body` on every rank inside an MpiSession. Exceptions become exit codes as in
/// run_guarded (ltdes::Error → 2, Interrupted → 128 + signal, others → 1); the ranks then agree on
/// the worst code, rank 0 prints the one-line error of the lowest failing rank, and every rank
/// returns that code.
int run_parallel(int& argc, char**& argv, const std::function<int(dist::MpiSession&)>& body);

}  // namespace ltdes::cli
