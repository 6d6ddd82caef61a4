// SPDX-License-Identifier: MIT
#include "ltdes/mpi/collectives.hpp"

#include "ltdes/core/assert.hpp"

#include <mpi.h>

#include <limits>
#include <numeric>

namespace ltdes::mpi {

int rank() {
    int r = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &r);
    return r;
}

int size() {
    int s = 1;
    MPI_Comm_size(MPI_COMM_WORLD, &s);
    return s;
}

void check(int rc, const char* what) {
    LTDES_ASSERT(rc == MPI_SUCCESS, "{} failed with MPI error {}", what, rc);
}

std::vector<std::uint64_t> all_gather(std::uint64_t value) {
    std::vector<std::uint64_t> all(static_cast<std::size_t>(size()));
    check(MPI_Allgather(&value, 1, MPI_UINT64_T, all.data(), 1, MPI_UINT64_T, MPI_COMM_WORLD),
          "MPI_Allgather");
    return all;
}

std::vector<double> all_gather(std::span<const double> values) {
    LTDES_ASSERT(values.size() < std::numeric_limits<int>::max(), "all_gather: too many values");
    const int n = static_cast<int>(values.size());
    std::vector<double> all(values.size() * static_cast<std::size_t>(size()));
    check(MPI_Allgather(values.data(), n, MPI_DOUBLE, all.data(), n, MPI_DOUBLE, MPI_COMM_WORLD),
          "MPI_Allgather");
    return all;
}

std::string all_gather_bytes(std::string_view bytes) {
    LTDES_ASSERT(bytes.size() < std::numeric_limits<int>::max(),
                 "all_gather_bytes: too many bytes");
    const int mine = static_cast<int>(bytes.size());
    std::vector<int> counts(static_cast<std::size_t>(size()));
    check(MPI_Allgather(&mine, 1, MPI_INT, counts.data(), 1, MPI_INT, MPI_COMM_WORLD),
          "MPI_Allgather");
    std::vector<int> displs(counts.size(), 0);
    std::exclusive_scan(counts.begin(), counts.end(), displs.begin(), 0);
    const auto total =
        static_cast<std::size_t>(displs.back()) + static_cast<std::size_t>(counts.back());
    LTDES_ASSERT(total < static_cast<std::size_t>(std::numeric_limits<int>::max()),
                 "all_gather_bytes: {} bytes in all", total);
    std::string all(total, '\0');
    check(MPI_Allgatherv(bytes.data(), mine, MPI_CHAR, all.data(), counts.data(), displs.data(),
                         MPI_CHAR, MPI_COMM_WORLD),
          "MPI_Allgatherv");
    return all;
}

std::string broadcast_bytes(std::string_view bytes, int root) {
    const bool me = rank() == root;
    auto n = static_cast<std::uint64_t>(me ? bytes.size() : 0);
    check(MPI_Bcast(&n, 1, MPI_UINT64_T, root, MPI_COMM_WORLD), "MPI_Bcast");
    LTDES_ASSERT(n < static_cast<std::uint64_t>(std::numeric_limits<int>::max()),
                 "broadcast_bytes: {} bytes", n);
    std::string out = me ? std::string(bytes) : std::string(static_cast<std::size_t>(n), '\0');
    check(MPI_Bcast(out.data(), static_cast<int>(n), MPI_CHAR, root, MPI_COMM_WORLD), "MPI_Bcast");
    return out;
}

std::uint64_t all_reduce_max(std::uint64_t value) {
    std::uint64_t out = 0;
    check(MPI_Allreduce(&value, &out, 1, MPI_UINT64_T, MPI_MAX, MPI_COMM_WORLD), "MPI_Allreduce");
    return out;
}

Outcome agree(int code, std::string_view message) {
    int worst = 0;
    check(MPI_Allreduce(&code, &worst, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD), "MPI_Allreduce");
    if (worst == 0) {
        return {};
    }
    // The lowest rank holding the worst code speaks for all.
    const int mine = code == worst ? rank() : size();
    int speaker = 0;
    check(MPI_Allreduce(&mine, &speaker, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD), "MPI_Allreduce");
    return {worst, broadcast_bytes(message, speaker)};
}

}  // namespace ltdes::mpi
