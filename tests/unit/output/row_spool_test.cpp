// SPDX-License-Identifier: MIT
#include "output/row_spool.hpp"

#include "ltdes/core/error.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <random>
#include <vector>

namespace {

namespace fs = std::filesystem;
using ltdes::output::RowSpool;
using ltdes::output::SpoolLimits;
using ltdes::stats::Resource;
using ltdes::stats::TimelineRow;

TimelineRow row(std::uint32_t chip, std::int64_t t, std::uint64_t op, Resource r) {
    TimelineRow x;
    x.chip = chip;
    x.t_start_ps = t;
    x.t_end_ps = t + 1;
    x.op_id = op;
    x.resource = r;
    return x;
}

class RowSpoolTest : public ::testing::Test {
protected:
    fs::path dir_ =
        fs::temp_directory_path() /
        ("ltdes_spool_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()));

    void SetUp() override { fs::create_directories(dir_); }

    void TearDown() override { fs::remove_all(dir_); }

    std::size_t files() const {
        return static_cast<std::size_t>(std::distance(fs::directory_iterator(dir_), {}));
    }
};

TEST_F(RowSpoolTest, OrdersByChipThenStartThenOpThenResource) {
    RowSpool spool(dir_, "s");
    spool.add(row(1, 5, 0, Resource::core));
    spool.add(row(0, 9, 0, Resource::core));
    spool.add(row(0, 5, 2, Resource::core));
    spool.add(row(0, 5, 1, Resource::link));
    spool.add(row(0, 5, 1, Resource::dram));
    spool.finish_input();
    std::vector<TimelineRow> out(10);
    ASSERT_EQ(spool.next(out), 5U);
    // Expected order written out by hand.
    EXPECT_EQ(out[0].op_id, 1U);
    EXPECT_EQ(out[0].resource, Resource::dram);
    EXPECT_EQ(out[1].resource, Resource::link);
    EXPECT_EQ(out[2].op_id, 2U);
    EXPECT_EQ(out[3].t_start_ps, 9);
    EXPECT_EQ(out[4].chip, 1U);
    EXPECT_EQ(spool.next(out), 0U);
    EXPECT_EQ(spool.runs_written(), 0U);  // fitted in memory
}

TEST_F(RowSpoolTest, SpillsAndMergesManyRunsInBoundedFanIn) {
    SpoolLimits limits;
    limits.memory_rows = 10;
    limits.fan_in = 3;
    limits.read_rows = 4;
    std::vector<std::int64_t> times(1000);
    for (std::size_t i = 0; i < times.size(); ++i) {
        times[i] = static_cast<std::int64_t>(i);
    }
    std::mt19937 rng(7);
    std::shuffle(times.begin(), times.end(), rng);
    {
        RowSpool spool(dir_, "s", limits);
        for (auto t : times) {
            spool.add(row(static_cast<std::uint32_t>(t % 3), t, 0, Resource::core));
        }
        spool.finish_input();
        // 100 runs merged 3 at a time: more files were written than the first 100 runs.
        EXPECT_GT(spool.runs_written(), 100U);
        // Every spill file was unlinked right after it was created: the runs are open files
        // without a name, so a process killed now would leave nothing in the folder.
        EXPECT_EQ(files(), 0U);
        std::vector<TimelineRow> out(64);
        std::vector<TimelineRow> all;
        while (const std::size_t n = spool.next(out)) {
            all.insert(all.end(), out.begin(), out.begin() + static_cast<std::ptrdiff_t>(n));
        }
        ASSERT_EQ(all.size(), 1000U);
        // chip = t % 3, so the expected sequence is every t with t%3==0 ascending, then 1, 2.
        std::size_t i = 0;
        for (std::uint32_t c = 0; c < 3; ++c) {
            for (std::int64_t t = c; t < 1000; t += 3) {
                ASSERT_EQ(all[i].chip, c);
                ASSERT_EQ(all[i].t_start_ps, t);
                ++i;
            }
        }
    }
    EXPECT_EQ(files(), 0U);
}

TEST_F(RowSpoolTest, ASpillThatCannotBeWrittenIsAnOutputError) {
    SpoolLimits limits;
    limits.memory_rows = 1;
    RowSpool spool(dir_ / "missing", "s", limits);
    EXPECT_THROW(spool.add(row(0, 0, 0, Resource::core)), ltdes::OutputError);
}

}  // namespace
