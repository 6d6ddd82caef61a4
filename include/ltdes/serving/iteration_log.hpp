// SPDX-License-Identifier: MIT
// A replica's /iterations rows as they are produced, packed. A serving hour produces millions of
// rows; as 56-byte structs they were 290 MB of fresh memory during the simulation, and on a
// virtual machine the first touch of fresh memory is the slowest thing a rank does (on one of
// this machine's cores, a fifth of its simulation time: docs/performance.md). Packed they take
// about 24 bytes: the start as the difference from the previous row's, the duration, the counts
// as variable-length integers, the KV blocks as a difference, the energy as its 8 bytes. They
// come back exactly as stored.
#pragma once

#include "ltdes/core/huge_pages.hpp"
#include "ltdes/serving/serving_run.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

namespace ltdes::serving {

/// Append-only IterationRow storage in huge-page chunks, read back in order.
class IterationLog {
public:
    void push_back(const IterationRow& row);

    std::size_t size() const { return size_; }

    /// Bytes the packed rows take.
    std::size_t packed_bytes() const;

    /// Calls visit(row) for every row in append order.
    template <class Visit>
    void for_each(Visit&& visit) const {
        Cursor c;
        for (std::size_t k = 0; k < chunks_.size(); ++k) {
            const std::byte* p = chunks_[k].get();
            const std::byte* end = p + used_[k];
            while (p < end) {
                visit(c.next(p));
            }
        }
    }

    std::vector<IterationRow> to_vector() const;

    /// Replaces the rows with `rows`.
    void assign(const std::vector<IterationRow>& rows);

    /// Drops every row and gives the memory back.
    void clear();

private:
    // A row packs into at most 7 integers of 10 bytes and the energy's 8.
    static constexpr std::size_t kMaxRowBytes = 7 * 10 + 8;

    // Decodes rows one after another (the differences need the previous row).
    struct Cursor {
        std::int64_t start = 0;
        std::int64_t kv = 0;

        static std::uint64_t varint(const std::byte*& p) {
            std::uint64_t v = 0;
            for (int shift = 0;; shift += 7) {
                const auto b = static_cast<std::uint8_t>(*p++);
                v |= static_cast<std::uint64_t>(b & 0x7fU) << shift;
                if ((b & 0x80U) == 0) {
                    return v;
                }
            }
        }

        static std::int64_t zigzag(const std::byte*& p) {
            const std::uint64_t z = varint(p);
            return static_cast<std::int64_t>(z >> 1) ^ -static_cast<std::int64_t>(z & 1U);
        }

        IterationRow next(const std::byte*& p) {
            IterationRow r;
            r.replica = static_cast<std::uint32_t>(varint(p));
            r.requests = static_cast<std::uint32_t>(varint(p));
            start = static_cast<std::int64_t>(static_cast<std::uint64_t>(start) +
                                              static_cast<std::uint64_t>(zigzag(p)));
            r.t_start = start;
            r.t_end = static_cast<std::int64_t>(static_cast<std::uint64_t>(start) +
                                                static_cast<std::uint64_t>(zigzag(p)));
            r.prefill_tokens = varint(p);
            r.decode_tokens = varint(p);
            kv = static_cast<std::int64_t>(static_cast<std::uint64_t>(kv) +
                                           static_cast<std::uint64_t>(zigzag(p)));
            r.kv_blocks = static_cast<std::uint64_t>(kv);
            std::memcpy(&r.energy_j, p, sizeof r.energy_j);
            p += sizeof r.energy_j;
            return r;
        }
    };

    std::vector<HugeChunk> chunks_;
    std::vector<std::size_t> used_;  ///< bytes used in each chunk
    std::size_t size_ = 0;
    std::int64_t last_start_ = 0;  ///< of the last row pushed
    std::int64_t last_kv_ = 0;
};

}  // namespace ltdes::serving
