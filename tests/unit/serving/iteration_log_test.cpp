// SPDX-License-Identifier: MIT
// The packed rows must come back exactly as stored: every field, across chunk boundaries,
// with starts that go back (pipelined iterations), KV blocks that go down, extreme integers
// and doubles whose bits matter (-0.0, a denormal, NaN).
#include "ltdes/serving/iteration_log.hpp"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

namespace ltdes::serving {
namespace {

void expect_same(const IterationRow& got, const IterationRow& want, std::size_t i) {
    EXPECT_EQ(got.replica, want.replica) << i;
    EXPECT_EQ(got.requests, want.requests) << i;
    EXPECT_EQ(got.t_start, want.t_start) << i;
    EXPECT_EQ(got.t_end, want.t_end) << i;
    EXPECT_EQ(got.prefill_tokens, want.prefill_tokens) << i;
    EXPECT_EQ(got.decode_tokens, want.decode_tokens) << i;
    EXPECT_EQ(got.kv_blocks, want.kv_blocks) << i;
    EXPECT_EQ(std::bit_cast<std::uint64_t>(got.energy_j),
              std::bit_cast<std::uint64_t>(want.energy_j))
        << i;
}

std::vector<IterationRow> sample_rows(std::size_t n) {
    constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
    constexpr auto kMin = std::numeric_limits<std::int64_t>::min();
    std::vector<IterationRow> rows;
    std::int64_t t = 0;
    for (std::size_t i = 0; i < n; ++i) {
        IterationRow r;
        r.replica = static_cast<std::uint32_t>(i % 5);
        r.requests = static_cast<std::uint32_t>(i % 300);
        // Mostly back to back; every 7th starts before the previous one (a pipeline).
        t += i % 7 == 0 ? -3'000'000 : 11'000'000'000 + static_cast<std::int64_t>(i);
        r.t_start = t;
        r.t_end = t + 9'000'000'000 + static_cast<std::int64_t>(i % 1000);
        r.prefill_tokens = i % 11 == 0 ? 4096 : 0;
        r.decode_tokens = i % 64;
        r.kv_blocks = (i * 37) % 5000;  // up and down
        r.energy_j = 0.25 + static_cast<double>(i) * 1e-7;
        rows.push_back(r);
    }
    // Extremes in the middle of the ordinary rows.
    IterationRow big;
    big.replica = UINT32_MAX;
    big.requests = UINT32_MAX;
    big.t_start = kMax;
    big.t_end = kMin;
    big.prefill_tokens = UINT64_MAX;
    big.decode_tokens = UINT64_MAX;
    big.kv_blocks = UINT64_MAX;
    big.energy_j = -0.0;
    rows.insert(rows.begin() + static_cast<std::ptrdiff_t>(n / 2), big);
    IterationRow small = big;
    small.t_start = kMin;
    small.t_end = kMax;
    small.kv_blocks = 0;
    small.energy_j = std::numeric_limits<double>::denorm_min();
    rows.insert(rows.begin() + static_cast<std::ptrdiff_t>(n / 2 + 1), small);
    IterationRow nan;
    nan.energy_j = std::numeric_limits<double>::quiet_NaN();
    rows.push_back(nan);
    return rows;
}

TEST(IterationLog, GivesBackExactlyWhatWasStoredAcrossChunks) {
    // 200 000 rows of about 24 bytes: three chunks of 2 MiB, the last partial.
    const std::vector<IterationRow> rows = sample_rows(200'000);
    IterationLog log;
    for (const IterationRow& r : rows) {
        log.push_back(r);
    }
    ASSERT_EQ(log.size(), rows.size());
    EXPECT_GT(log.packed_bytes(), 2 * kHugeChunkBytes - 2 * 78);
    // Packed: well under half the rows' own size.
    EXPECT_LT(log.packed_bytes(), rows.size() * sizeof(IterationRow) / 2);
    std::size_t i = 0;
    log.for_each([&](const IterationRow& r) {
        ASSERT_LT(i, rows.size());
        expect_same(r, rows[i], i);
        ++i;
    });
    EXPECT_EQ(i, rows.size());
    EXPECT_TRUE(std::isnan(log.to_vector().back().energy_j));

    // assign() starts over (the differences too); clear() empties.
    const std::vector<IterationRow> few(rows.begin() + 100'000, rows.begin() + 100'010);
    log.assign(few);
    const std::vector<IterationRow> back = log.to_vector();
    ASSERT_EQ(back.size(), few.size());
    for (std::size_t k = 0; k < few.size(); ++k) {
        expect_same(back[k], few[k], k);
    }
    log.clear();
    EXPECT_EQ(log.size(), 0U);
    EXPECT_EQ(log.packed_bytes(), 0U);
    log.for_each([](const IterationRow&) { ADD_FAILURE() << "a row after clear()"; });
}

}  // namespace
}  // namespace ltdes::serving
