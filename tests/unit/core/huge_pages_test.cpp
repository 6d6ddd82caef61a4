// SPDX-License-Identifier: MIT
// Huge pages are a hint: what is checked is that the rows stay exactly what was stored, across
// chunk boundaries and reservations, whatever pages the kernel gives.
#include "ltdes/core/huge_pages.hpp"

#include "ltdes/core/chunked_rows.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace ltdes {
namespace {

struct Row {
    std::uint64_t a = 0;
    std::uint32_t b = 0;
    std::uint32_t c = 0;
};

TEST(ChunkedRows, KeepsEveryRowInOrderAcrossChunks) {
    ChunkedRows<Row> rows;
    const std::size_t n = 2 * ChunkedRows<Row>::kPerChunk + 7;  // three chunks, the last partial
    for (std::size_t i = 0; i < n; ++i) {
        rows.push_back(Row{i * 3, static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(~i)});
    }
    ASSERT_EQ(rows.size(), n);
    std::size_t i = 0;
    rows.for_each([&](const Row& r) {
        EXPECT_EQ(r.a, i * 3);
        EXPECT_EQ(r.b, static_cast<std::uint32_t>(i));
        EXPECT_EQ(r.c, static_cast<std::uint32_t>(~i));
        ++i;
    });
    EXPECT_EQ(i, n);
    const std::vector<Row> copy = rows.to_vector();
    ASSERT_EQ(copy.size(), n);
    EXPECT_EQ(copy[ChunkedRows<Row>::kPerChunk].b, ChunkedRows<Row>::kPerChunk);
    rows.clear();
    EXPECT_EQ(rows.size(), 0U);
}

TEST(ReserveHuge, ReservesAndKeepsWhatTheVectorHolds) {
    for (const std::size_t n : {std::size_t{10}, std::size_t{3} << 20}) {  // below and above 8 MiB
        std::vector<Row> v;
        reserve_huge(v, n);
        EXPECT_GE(v.capacity(), n);
        for (std::size_t i = 0; i < n; ++i) {
            v.push_back(Row{i, 1, 2});
        }
        reserve_huge(v, n / 2);  // smaller: changes nothing
        reserve_huge(v, n + 1);  // larger: moves the rows
        ASSERT_EQ(v.size(), n);
        EXPECT_GE(v.capacity(), n + 1);
        EXPECT_EQ(v.front().a, 0U);
        EXPECT_EQ(v.back().a, n - 1);
    }
}

}  // namespace
}  // namespace ltdes
