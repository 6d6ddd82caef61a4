// SPDX-License-Identifier: MIT
#include "ltdes/dist/mpi_session.hpp"

#include "ltdes/core/error.hpp"

#include <fmt/format.h>
#include <mpi.h>

#include <algorithm>
#include <vector>

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
    int worst = 0;
    MPI_Allreduce(&code, &worst, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    if (worst == 0) {
        return {};
    }
    // The lowest rank holding the worst code speaks for all.
    int mine = (code == worst) ? to_underlying(rank_) : size_;
    int speaker = 0;
    MPI_Allreduce(&mine, &speaker, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    int len = (to_underlying(rank_) == speaker) ? static_cast<int>(message.size()) : 0;
    MPI_Bcast(&len, 1, MPI_INT, speaker, MPI_COMM_WORLD);
    std::vector<char> buf(static_cast<std::size_t>(len));
    if (to_underlying(rank_) == speaker) {
        std::copy(message.begin(), message.end(), buf.begin());
    }
    MPI_Bcast(buf.data(), len, MPI_CHAR, speaker, MPI_COMM_WORLD);
    return {worst, std::string(buf.begin(), buf.end())};
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
