// SPDX-License-Identifier: MIT
#include "ltdes/stats/row_collector.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace {

using ltdes::stats::RowCollector;
using ltdes::stats::TimelineRow;

TEST(RowCollector, DrainsRowsOfAllThreadsInTimelineOrder) {
    RowCollector collector;
    // Four threads push chip = thread, t_start = 100 - i (descending), so every thread's buffer
    // is out of order and the threads interleave.
    std::vector<std::thread> threads;
    for (std::uint32_t t = 0; t < 4; ++t) {
        threads.emplace_back([&collector, t] {
            for (std::int64_t i = 0; i < 100; ++i) {
                TimelineRow r;
                r.chip = 3 - t;
                r.t_start_ps = 100 - i;
                collector.push(r);
            }
        });
    }
    for (auto& th : threads) {
        th.join();
    }
    EXPECT_EQ(collector.buffered(), 400U);
    std::vector<TimelineRow> got;
    collector.drain([&got](const TimelineRow& r) { got.push_back(r); });
    ASSERT_EQ(got.size(), 400U);
    for (std::size_t k = 0; k < got.size(); ++k) {
        // Expected: chip k / 100 ascending, then t_start 1..100 ascending.
        ASSERT_EQ(got[k].chip, k / 100);
        ASSERT_EQ(got[k].t_start_ps, static_cast<std::int64_t>(k % 100) + 1);
    }
    EXPECT_EQ(collector.buffered(), 0U);
}

}  // namespace
