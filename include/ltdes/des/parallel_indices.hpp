// SPDX-License-Identifier: MIT
// Independent pieces of work on a rank's threads, for modules that may not see TBB (the
// layering test keeps it in des and stats).
#pragma once

#include <cstddef>
#include <functional>

namespace ltdes::des {

/// Calls body(i) for every i in [0, n): inline, in order, when `threads` <= 1 or n <= 1,
/// otherwise on `threads` TBB threads in any order (so the bodies must not depend on each
/// other). Rethrows an exception a body threw, once every started body has ended.
void for_each_index(std::size_t n, unsigned threads, const std::function<void(std::size_t)>& body);

}  // namespace ltdes::des
