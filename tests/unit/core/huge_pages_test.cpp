// SPDX-License-Identifier: MIT
// Huge pages are a hint: what is checked is that the memory is what was asked for and that the
// rows stay exactly what was stored across reservations, whatever pages the kernel gives.
#include "ltdes/core/huge_pages.hpp"

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

TEST(HugeChunk, IsAlignedWholeAndWritable) {
    const HugeChunk a = huge_chunk();
    const HugeChunk b = huge_chunk();
    ASSERT_NE(a.get(), nullptr);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(a.get()) % kHugeChunkBytes, 0U);
    EXPECT_NE(a.get(), b.get());
    // Every byte of it is ours: the last one keeps what was written, and the other chunk's
    // first byte is not touched.
    a[kHugeChunkBytes - 1] = std::byte{0x5a};
    b[0] = std::byte{0x11};
    EXPECT_EQ(a[kHugeChunkBytes - 1], std::byte{0x5a});
    EXPECT_EQ(b[0], std::byte{0x11});
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
