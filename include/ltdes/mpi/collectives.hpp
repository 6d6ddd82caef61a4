// SPDX-License-Identifier: MIT
// The one layer of MPI collectives the rest of lt-des uses (kernel transport, cluster results,
// CLI exit-code agreement, HDF5 writer metadata). Everything runs on MPI_COMM_WORLD, needs a
// live MPI (dist::MpiSession) and only the thread that initialised MPI may call it. No <mpi.h>
// here, so modules that only need these collectives do not see MPI types.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ltdes::mpi {

/// This process's rank in MPI_COMM_WORLD.
int rank();

/// Number of ranks in MPI_COMM_WORLD.
int size();

/// Throws InternalError "<what> failed with MPI error <rc>" unless rc is MPI_SUCCESS.
void check(int rc, const char* what);

/// Collective: every rank's value, in rank order.
std::vector<std::uint64_t> all_gather(std::uint64_t value);

/// Collective: every rank's `values` (same length on every rank), concatenated in rank order.
std::vector<double> all_gather(std::span<const double> values);

/// Collective: every rank's bytes, concatenated in rank order.
std::string all_gather_bytes(std::string_view bytes);

/// Collective: the bytes of rank `root` on every rank (`bytes` is read on the root only).
std::string broadcast_bytes(std::string_view bytes, int root);

/// Collective: the largest value over ranks.
std::uint64_t all_reduce_max(std::uint64_t value);

/// The outcome all ranks agreed on: the worst code and the message of the lowest rank that
/// reported it (empty when every rank passed 0).
struct Outcome {
    int code = 0;
    std::string message;
};

/// Collective: every rank passes its code (0 = ok) and message; every rank gets the largest
/// code and the message of the lowest rank with that code.
Outcome agree(int code, std::string_view message);

}  // namespace ltdes::mpi
