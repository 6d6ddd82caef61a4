// SPDX-License-Identifier: MIT
#include "output/mpi_util.hpp"

#include "ltdes/core/assert.hpp"
#include "ltdes/core/error.hpp"

#include <limits>
#include <numeric>

namespace ltdes::output::mpi {

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

std::vector<std::uint64_t> allgather(std::uint64_t value) {
    std::vector<std::uint64_t> all(static_cast<std::size_t>(size()));
    MPI_Allgather(&value, 1, MPI_UINT64_T, all.data(), 1, MPI_UINT64_T, MPI_COMM_WORLD);
    return all;
}

std::vector<double> allgather(const std::vector<double>& values) {
    const int n = static_cast<int>(values.size());
    std::vector<double> all(values.size() * static_cast<std::size_t>(size()));
    MPI_Allgather(values.data(), n, MPI_DOUBLE, all.data(), n, MPI_DOUBLE, MPI_COMM_WORLD);
    return all;
}

std::string allgatherv(const std::string& bytes) {
    LTDES_ASSERT(bytes.size() < std::numeric_limits<int>::max(), "allgatherv: too many bytes");
    const int mine = static_cast<int>(bytes.size());
    std::vector<int> counts(static_cast<std::size_t>(size()));
    MPI_Allgather(&mine, 1, MPI_INT, counts.data(), 1, MPI_INT, MPI_COMM_WORLD);
    std::vector<int> displs(counts.size(), 0);
    std::exclusive_scan(counts.begin(), counts.end(), displs.begin(), 0);
    std::string all(static_cast<std::size_t>(displs.back() + counts.back()), '\0');
    MPI_Allgatherv(bytes.data(), mine, MPI_CHAR, all.data(), counts.data(), displs.data(), MPI_CHAR,
                   MPI_COMM_WORLD);
    return all;
}

void bcast(std::string& bytes) {
    auto n = static_cast<std::uint64_t>(bytes.size());
    MPI_Bcast(&n, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD);
    LTDES_ASSERT(n < std::numeric_limits<int>::max(), "bcast: too many bytes");
    bytes.resize(n);
    MPI_Bcast(bytes.data(), static_cast<int>(n), MPI_CHAR, 0, MPI_COMM_WORLD);
}

void agree_or_throw(const std::string& my_error) {
    const int me = my_error.empty() ? size() : rank();
    int first = 0;
    MPI_Allreduce(&me, &first, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    if (first == size()) {
        return;
    }
    std::string message = my_error;
    auto n = static_cast<std::uint64_t>(message.size());
    MPI_Bcast(&n, 1, MPI_UINT64_T, first, MPI_COMM_WORLD);
    message.resize(n);
    MPI_Bcast(message.data(), static_cast<int>(n), MPI_CHAR, first, MPI_COMM_WORLD);
    throw OutputError(message);
}

std::uint64_t allreduce_max(std::uint64_t value) {
    std::uint64_t out = 0;
    MPI_Allreduce(&value, &out, 1, MPI_UINT64_T, MPI_MAX, MPI_COMM_WORLD);
    return out;
}

}  // namespace ltdes::output::mpi
