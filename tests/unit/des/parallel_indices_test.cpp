// SPDX-License-Identifier: MIT
// for_each_index: every index once, on one thread or several, and a body's exception reaches
// the caller.
#include "ltdes/des/parallel_indices.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <stdexcept>
#include <thread>
#include <vector>

namespace ltdes::des {
namespace {

TEST(ParallelIndices, EveryIndexOnceOnOneOrSeveralThreads) {
    for (const unsigned threads : {1U, 3U}) {
        std::vector<std::atomic<int>> calls(100);
        for_each_index(calls.size(), threads, [&](std::size_t i) { ++calls[i]; });
        for (std::size_t i = 0; i < calls.size(); ++i) {
            EXPECT_EQ(calls[i].load(), 1) << "index " << i << ", " << threads << " threads";
        }
    }
    std::vector<std::size_t> order;
    for_each_index(5, 1, [&](std::size_t i) { order.push_back(i); });
    EXPECT_EQ(order, (std::vector<std::size_t>{0, 1, 2, 3, 4}));  // one thread: in order
}

// Several threads really run: with 3 threads and bodies that wait until two are inside at
// once, the calls overlap (they would wait for ever on one thread; the wait is bounded).
TEST(ParallelIndices, SeveralThreadsRunAtOnce) {
    std::atomic<int> inside{0};
    std::atomic<int> most{0};
    for_each_index(6, 3, [&](std::size_t) {
        const int now = ++inside;
        int seen = most.load();
        while (now > seen && !most.compare_exchange_weak(seen, now)) {
        }
        for (int spin = 0; spin < 2000 && most.load() < 2; ++spin) {
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        --inside;
    });
    EXPECT_GE(most.load(), 2);
}

TEST(ParallelIndices, ABodysExceptionReachesTheCaller) {
    for (const unsigned threads : {1U, 3U}) {
        EXPECT_THROW(for_each_index(10, threads,
                                    [](std::size_t i) {
                                        if (i == 7) {
                                            throw std::runtime_error("seven");
                                        }
                                    }),
                     std::runtime_error);
    }
}

}  // namespace
}  // namespace ltdes::des
