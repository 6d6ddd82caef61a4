// SPDX-License-Identifier: MIT
// The writer's names for the shared MPI collectives (ltdes/mpi, MPI_COMM_WORLD only) and the byte
// packing it uses to make every rank pass identical metadata to parallel HDF5.
#pragma once

#include "ltdes/mpi/collectives.hpp"

#include <mpi.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace ltdes::output::mpi {

using ltdes::mpi::rank;
using ltdes::mpi::size;

inline std::uint64_t allreduce_max(std::uint64_t value) {
    return ltdes::mpi::all_reduce_max(value);
}

/// Every rank gets every rank's value, in rank order.
inline std::vector<std::uint64_t> allgather(std::uint64_t value) {
    return ltdes::mpi::all_gather(value);
}

inline std::vector<double> allgather(const std::vector<double>& values) {
    return ltdes::mpi::all_gather(values);
}

/// Concatenation of every rank's bytes, in rank order.
inline std::string allgatherv(const std::string& bytes) {
    return ltdes::mpi::all_gather_bytes(bytes);
}

/// Rank 0's bytes on every rank.
inline void bcast(std::string& bytes) {
    bytes = ltdes::mpi::broadcast_bytes(bytes, 0);
}

/// Collective: throws OutputError on every rank when any rank passes a non-empty message
/// (the message of the lowest such rank).
void agree_or_throw(const std::string& my_error);

/// Collective: the lowest failing rank's message on every rank, empty when no rank failed.
std::string agree(const std::string& my_error);

/// Appends/reads PODs and strings to/from a byte string (for bcast and allgatherv).
class Packer {
public:
    template <class T>
    void put(const T& v) {
        static_assert(std::is_trivially_copyable_v<T>);
        bytes_.append(reinterpret_cast<const char*>(&v), sizeof(T));
    }

    void put_string(std::string_view s) {
        put<std::uint64_t>(s.size());
        bytes_.append(s);
    }

    std::string& bytes() { return bytes_; }

private:
    std::string bytes_;
};

class Unpacker {
public:
    explicit Unpacker(std::string_view bytes) : bytes_(bytes) {}

    template <class T>
    T get() {
        static_assert(std::is_trivially_copyable_v<T>);
        T v{};
        std::memcpy(&v, bytes_.data() + pos_, sizeof(T));
        pos_ += sizeof(T);
        return v;
    }

    std::string get_string() {
        const auto n = get<std::uint64_t>();
        std::string s(bytes_.substr(pos_, n));
        pos_ += n;
        return s;
    }

    bool done() const { return pos_ >= bytes_.size(); }

private:
    std::string_view bytes_;
    std::size_t pos_ = 0;
};

}  // namespace ltdes::output::mpi
