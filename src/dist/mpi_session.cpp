// SPDX-License-Identifier: MIT
#include "ltdes/dist/mpi_session.hpp"

#include "ltdes/core/error.hpp"

#include <fmt/format.h>
#include <mpi.h>

namespace ltdes::dist {

MpiSession::MpiSession(int& argc, char**& argv) {
    int already = 0;
    MPI_Initialized(&already);
    owns_ = already == 0;
    int provided = 0;
    if (owns_ && MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) {
        throw InternalError("MPI_Init_thread failed");
    }
    int r = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &r);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
    rank_ = RankId{r};
}

MpiSession::~MpiSession() {
    if (owns_) {
        MPI_Finalize();
    }
}

Outcome MpiSession::agree(int code, std::string_view message) const {
    return mpi::agree(code, message);
}

void MpiSession::barrier() const {
    MPI_Barrier(MPI_COMM_WORLD);
}

std::string mpi_build_version() {
#ifdef OMPI_MAJOR_VERSION
    return fmt::format("Open MPI {}.{}.{} (MPI {}.{})", OMPI_MAJOR_VERSION, OMPI_MINOR_VERSION,
                       OMPI_RELEASE_VERSION, MPI_VERSION, MPI_SUBVERSION);
#else
    return fmt::format("MPI {}.{}", MPI_VERSION, MPI_SUBVERSION);
#endif
}

}  // namespace ltdes::dist
