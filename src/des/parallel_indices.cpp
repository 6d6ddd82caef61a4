// SPDX-License-Identifier: MIT
#include "ltdes/des/parallel_indices.hpp"

#include <tbb/blocked_range.h>
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

namespace ltdes::des {

void for_each_index(std::size_t n, unsigned threads, const std::function<void(std::size_t)>& body) {
    if (threads <= 1 || n <= 1) {
        for (std::size_t i = 0; i < n; ++i) {
            body(i);
        }
        return;
    }
    // As the engine does: mpirun binds a rank to one core, and TBB would then cap its workers.
    const tbb::global_control cap(tbb::global_control::max_allowed_parallelism, threads);
    tbb::task_arena arena(static_cast<int>(threads));
    arena.execute([&] {
        tbb::parallel_for(tbb::blocked_range<std::size_t>(0, n, 1),
                          [&](const tbb::blocked_range<std::size_t>& range) {
                              for (std::size_t i = range.begin(); i != range.end(); ++i) {
                                  body(i);
                              }
                          });
    });
}

}  // namespace ltdes::des
