// SPDX-License-Identifier: MIT
#include "ltdes/core/huge_pages.hpp"

#include <new>
#include <sys/mman.h>

namespace ltdes {

void advise_huge_pages(void* p, std::size_t bytes) {
#ifdef MADV_HUGEPAGE
    // A hint: EINVAL (no THP in this kernel) changes nothing but speed.
    (void)madvise(p, bytes, MADV_HUGEPAGE);
#else
    (void)p;
    (void)bytes;
#endif
}

HugeChunk huge_chunk() {
    void* p = std::aligned_alloc(kHugeChunkBytes, kHugeChunkBytes);
    if (p == nullptr) {
        throw std::bad_alloc();
    }
    advise_huge_pages(p, kHugeChunkBytes);
    return HugeChunk(static_cast<std::byte*>(p));
}

}  // namespace ltdes
