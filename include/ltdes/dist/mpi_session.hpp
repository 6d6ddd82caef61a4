// SPDX-License-Identifier: MIT
#pragma once

#include "ltdes/core/ids.hpp"
#include "ltdes/mpi/collectives.hpp"

#include <string>
#include <string_view>

namespace ltdes::dist {

/// The outcome all ranks agreed on (see mpi::agree).
using Outcome = mpi::Outcome;

/// RAII MPI_Init_thread / MPI_Finalize (MPI_THREAD_FUNNELED: only the main thread calls MPI).
/// Created only by the subcommands that need MPI; one per process. When MPI is already
/// initialised (test harnesses) it neither initialises nor finalises.
class MpiSession {
public:
    MpiSession(int& argc, char**& argv);
    ~MpiSession();
    MpiSession(const MpiSession&) = delete;
    MpiSession& operator=(const MpiSession&) = delete;

    RankId rank() const { return rank_; }

    int size() const { return size_; }

    /// Collective. Every rank passes its own exit code (0 = ok) and error message; all ranks
    /// return the largest code and the message of the lowest rank that had that code.
    Outcome agree(int code, std::string_view message) const;

    /// Collective barrier.
    void barrier() const;

private:
    RankId rank_{};
    int size_ = 1;
    bool owns_ = true;
};

/// "Open MPI 4.1.4 (MPI 3.1)": the MPI lt-des was compiled against. Needs no MPI_Init.
std::string mpi_build_version();

}  // namespace ltdes::dist
