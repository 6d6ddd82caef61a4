// SPDX-License-Identifier: MIT
#include "ltdes/core/huge_pages.hpp"

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

}  // namespace ltdes
