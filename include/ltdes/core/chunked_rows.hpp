// SPDX-License-Identifier: MIT
#pragma once

#include "ltdes/core/huge_pages.hpp"

#include <cstddef>
#include <cstdlib>
#include <memory>
#include <new>
#include <type_traits>
#include <vector>

namespace ltdes {

/// Append-only rows in 2 MiB chunks that ask the kernel for transparent huge pages.
///
/// A serving hour appends millions of result rows per rank. In a std::vector every doubling
/// copies them all and stalls the rank (the other ranks then wait at the next round); in small
/// pages the first touch of each 4 KiB costs a page fault, which on a virtual machine took more
/// time than the simulation itself (docs/performance.md). A chunk never moves, and one fault
/// maps 2 MiB where the kernel allows it (`madvise` mode; otherwise plain pages, same results).
template <class T>
class ChunkedRows {
    static_assert(std::is_trivially_copyable_v<T>, "rows are copied as bytes");

public:
    static constexpr std::size_t kChunkBytes = std::size_t{2} << 20;
    static constexpr std::size_t kPerChunk = kChunkBytes / sizeof(T);
    static_assert(kPerChunk > 0, "a row larger than a chunk");

    ChunkedRows() = default;
    ChunkedRows(const ChunkedRows&) = delete;
    ChunkedRows& operator=(const ChunkedRows&) = delete;
    ChunkedRows(ChunkedRows&&) noexcept = default;
    ChunkedRows& operator=(ChunkedRows&&) noexcept = default;

    void push_back(const T& row) {
        if (size_ == chunks_.size() * kPerChunk) {
            chunks_.push_back(new_chunk());
        }
        chunks_.back()[size_ % kPerChunk] = row;
        ++size_;
    }

    std::size_t size() const { return size_; }

    /// Calls visit(row) for every row in append order.
    template <class Visit>
    void for_each(Visit&& visit) const {
        for (std::size_t i = 0; i < size_; ++i) {
            visit(chunks_[i / kPerChunk][i % kPerChunk]);
        }
    }

    std::vector<T> to_vector() const {
        std::vector<T> out;
        out.reserve(size_);
        for_each([&](const T& row) { out.push_back(row); });
        return out;
    }

    /// Replaces the rows with `rows`.
    void assign(const std::vector<T>& rows) {
        clear();
        for (const T& row : rows) {
            push_back(row);
        }
    }

    /// Drops every row and gives the memory back.
    void clear() {
        chunks_.clear();
        size_ = 0;
    }

private:
    struct Free {
        void operator()(T* p) const { std::free(p); }
    };

    using Chunk = std::unique_ptr<T[], Free>;

    static Chunk new_chunk();

    std::vector<Chunk> chunks_;
    std::size_t size_ = 0;
};

template <class T>
typename ChunkedRows<T>::Chunk ChunkedRows<T>::new_chunk() {
    void* p = std::aligned_alloc(kChunkBytes, kChunkBytes);
    if (p == nullptr) {
        throw std::bad_alloc();
    }
    advise_huge_pages(p, kChunkBytes);
    return Chunk(static_cast<T*>(p));
}

}  // namespace ltdes
