// SPDX-License-Identifier: MIT
#include "ltdes/des/partitioner.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace ltdes::des {
namespace {

std::vector<int> map_all(const Partitioner& p, std::uint32_t lps, int ranks) {
    std::vector<int> out;
    for (std::uint32_t i = 0; i < lps; ++i) {
        out.push_back(to_underlying(p.rank_of(LpId{i}, lps, ranks)));
    }
    return out;
}

TEST(BlockPartitioner, GivesTheFirstRanksOneExtraLp) {
    // 10 LPs on 3 ranks: 4 + 3 + 3.
    EXPECT_EQ(map_all(BlockPartitioner{}, 10, 3), (std::vector<int>{0, 0, 0, 0, 1, 1, 1, 2, 2, 2}));
    EXPECT_EQ(map_all(BlockPartitioner{}, 4, 4), (std::vector<int>{0, 1, 2, 3}));
}

TEST(BlockPartitioner, LeavesLastRanksEmptyWhenThereAreFewerLpsThanRanks) {
    EXPECT_EQ(map_all(BlockPartitioner{}, 3, 5), (std::vector<int>{0, 1, 2}));
}

TEST(RoundRobinPartitioner, DealsLpsLikeCards) {
    EXPECT_EQ(map_all(RoundRobinPartitioner{}, 7, 3), (std::vector<int>{0, 1, 2, 0, 1, 2, 0}));
}

TEST(Partitioner, OneRankOwnsEverything) {
    EXPECT_EQ(map_all(BlockPartitioner{}, 5, 1), (std::vector<int>(5, 0)));
    EXPECT_EQ(map_all(RoundRobinPartitioner{}, 5, 1), (std::vector<int>(5, 0)));
}

}  // namespace
}  // namespace ltdes::des
