// SPDX-License-Identifier: MIT
// The byte streams an LP saves its state into and restores it from (checkpoints). Values are
// stored as their raw bytes (the snapshot is read by the same build on the same kind of
// machine; the manifest records the format version). Every read is bounds-checked: a short or
// corrupt snapshot is a SnapshotError (bad input, exit 2), never a crash.
#pragma once

#include "ltdes/core/error.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace ltdes::des {

/// A snapshot that cannot be used: truncated, corrupt, out of range or for other inputs.
class SnapshotError : public Error {
public:
    using Error::Error;
};

/// Appends values to a byte string.
class StateWriter {
public:
    /// Appends the raw bytes of a trivially copyable value.
    template <class T>
    requires std::is_trivially_copyable_v<T>

    void put(const T& value) {
        const auto* p = reinterpret_cast<const char*>(&value);
        bytes_.append(p, sizeof(T));
    }

    /// Appends a count, then the raw bytes of every element.
    template <class T>
    requires std::is_trivially_copyable_v<T>

    void put_vector(const std::vector<T>& values) {
        put(static_cast<std::uint64_t>(values.size()));
        if (!values.empty()) {
            bytes_.append(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(T));
        }
    }

    /// Appends a length, then the bytes.
    void put_bytes(std::string_view bytes) {
        put(static_cast<std::uint64_t>(bytes.size()));
        bytes_.append(bytes);
    }

    const std::string& bytes() const { return bytes_; }

    std::string take() { return std::move(bytes_); }

private:
    std::string bytes_;
};

/// Reads values back in the order they were written; throws SnapshotError naming `what` (the
/// file or LP being read) when the bytes run out or a count is out of range.
class StateReader {
public:
    StateReader(std::string_view bytes, std::string what) : bytes_(bytes), what_(std::move(what)) {}

    template <class T>

    requires std::is_trivially_copyable_v<T> T get() {
        need(sizeof(T));
        T value;
        std::memcpy(&value, bytes_.data() + pos_, sizeof(T));
        pos_ += sizeof(T);
        return value;
    }

    /// A count written by put_vector/put_bytes, checked against `max` and the bytes left.
    std::uint64_t get_count(std::uint64_t max, std::size_t element_bytes) {
        const auto n = get<std::uint64_t>();
        if (n > max || (element_bytes > 0 && n > (bytes_.size() - pos_) / element_bytes)) {
            fail("a count of " + std::to_string(n) + " is out of range");
        }
        return n;
    }

    /// A vector written by put_vector, of at most `max` elements.
    template <class T>

    requires std::is_trivially_copyable_v<T> std::vector<T> get_vector(std::uint64_t max) {
        const std::uint64_t n = get_count(max, sizeof(T));
        std::vector<T> v(static_cast<std::size_t>(n));
        if (n > 0) {
            std::memcpy(v.data(), bytes_.data() + pos_, v.size() * sizeof(T));
            pos_ += v.size() * sizeof(T);
        }
        return v;
    }

    /// Bytes written by put_bytes.
    std::string_view get_bytes() {
        const std::uint64_t n = get_count(bytes_.size(), 1);
        const std::string_view s = bytes_.substr(pos_, static_cast<std::size_t>(n));
        pos_ += static_cast<std::size_t>(n);
        return s;
    }

    /// Throws unless `ok`, with `what` (e.g. "chip state of 3 entries, the trace has 5").
    void check(bool ok, std::string_view what) const {
        if (!ok) {
            fail(std::string(what));
        }
    }

    /// Throws unless every byte was read.
    void expect_end() const {
        if (pos_ != bytes_.size()) {
            fail(std::to_string(bytes_.size() - pos_) + " unexpected trailing bytes");
        }
    }

    bool at_end() const { return pos_ == bytes_.size(); }

    [[noreturn]] void fail(const std::string& why) const {
        throw SnapshotError(what_ + ": " + why + " (the snapshot is corrupt or truncated)");
    }

private:
    void need(std::size_t n) const {
        if (bytes_.size() - pos_ < n) {
            fail("ends early");
        }
    }

    std::string_view bytes_;
    std::size_t pos_ = 0;
    std::string what_;
};

/// Reads what every rank wrote to an all-gather, in rank order: each rank a count (at most
/// `max`) and then that many items, each read by `read(in, rank)`. Throws SnapshotError naming
/// `what` when the bytes are short, a count is too large or bytes are left over.
template <class Read>
void read_rank_groups(const std::string& all,
                      const std::string& what,
                      int ranks,
                      std::uint64_t max,
                      const Read& read) {
    StateReader in(all, what);
    for (int r = 0; r < ranks; ++r) {
        const auto n = in.get<std::uint64_t>();
        in.check(n <= max, "a rank's count is out of range");
        for (std::uint64_t i = 0; i < n; ++i) {
            read(in, r);
        }
    }
    in.expect_end();
}

}  // namespace ltdes::des
