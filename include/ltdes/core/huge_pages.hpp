// SPDX-License-Identifier: MIT
// Transparent huge pages for large, fresh buffers. On a virtual machine the first touch of each
// 4 KiB page costs a fault of ~13 µs (docs/performance.md): filling a 300 MB table of result
// rows then takes about a second, against a few milliseconds in 2 MiB pages. Hints only:
// where the kernel does not allow them, the same bytes land in small pages.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <vector>

namespace ltdes {

/// Asks for huge pages on [p, p + bytes) (a hint: ignored where not supported).
void advise_huge_pages(void* p, std::size_t bytes);

/// Frees what huge_chunk() gave.
struct FreeHugeChunk {
    void operator()(std::byte* p) const { std::free(p); }
};

using HugeChunk = std::unique_ptr<std::byte[], FreeHugeChunk>;

/// Size of a huge page here (x86-64): huge_chunk() gives whole ones.
constexpr std::size_t kHugeChunkBytes = std::size_t{2} << 20;

/// A fresh buffer of kHugeChunkBytes, aligned to them, asking for one huge page (one fault
/// instead of 512). Throws std::bad_alloc.
HugeChunk huge_chunk();

/// v.reserve(n), and huge pages for its storage when that is large and still untouched (a
/// vector that already held its rows keeps the pages it has).
template <class T>
void reserve_huge(std::vector<T>& v, std::size_t n) {
    const bool fresh = v.capacity() < n;
    v.reserve(n);
    const std::size_t bytes = v.capacity() * sizeof(T);
    if (!fresh || bytes < (std::size_t{8} << 20)) {
        return;
    }
    constexpr std::uintptr_t kPage = 4096;
    const auto start = reinterpret_cast<std::uintptr_t>(v.data());
    const std::uintptr_t first = (start + kPage - 1) & ~(kPage - 1);
    const std::uintptr_t end = (start + bytes) & ~(kPage - 1);
    if (end > first) {
        advise_huge_pages(reinterpret_cast<void*>(first), end - first);
    }
}

}  // namespace ltdes
