// SPDX-License-Identifier: MIT
// The MoE router under expert parallelism: exact balance of round_robin, capacity drops counted
// by hand, picks independent of how the tokens are split into lanes, and Zipf skew.
#include "ltdes/workload/moe_router.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <vector>

namespace ltdes::workload {
namespace {

std::vector<std::uint64_t> per_expert(const GroupRouting& g) {
    std::vector<std::uint64_t> sum(g.experts, 0);
    for (std::uint32_t l = 0; l < g.lanes; ++l) {
        for (std::uint32_t e = 0; e < g.experts; ++e) {
            sum[e] += g.kept_at(l, e);
        }
    }
    return sum;
}

TEST(MoeRouter, RoundRobinIsExactlyBalancedInTokenOrder) {
    MoeSpec s;
    s.routing = MoeRoutingKind::round_robin;
    // Two lanes of one request with 3 tokens, top-2 of 4: picks 0..5 go to experts 0 1 2 3 0 1
    // (lane 0), picks 6..11 to 2 3 0 1 2 3 (lane 1).
    const std::vector<LaneTokens> lanes{{0, 1, 3}, {1, 1, 3}};
    const GroupRouting g = route_group(s, 4, 2, 0, 0, lanes);
    EXPECT_EQ(g.kept, (std::vector<std::uint64_t>{2, 2, 1, 1, 1, 1, 2, 2}));
    EXPECT_EQ(g.dropped, (std::vector<std::uint64_t>{0, 0}));
    EXPECT_EQ(per_expert(g), (std::vector<std::uint64_t>{3, 3, 3, 3}));
}

TEST(MoeRouter, CapacityDropsTheLatePicksOfAFullExpert) {
    // Zipf with S = 100: expert e weighs (e+1)^-100, so every token picks expert 0 first and
    // expert 1 second (the next weight is 1.5^-100 ≈ 2.5e-18 of it, below the 2^-53 resolution
    // of the uniform draw). 6 tokens, top-2 of 4, capacity factor 1: capacity =
    // ceil(1 · 12 / 4) = 3. Experts 0 and 1 keep the picks of the first 3 tokens (lane 0) and
    // drop lane 1's: 6 dropped picks, all lane 1's.
    MoeSpec s;
    ASSERT_TRUE(parse_moe_routing("zipf:100", s));
    s.capacity_factor = 1.0;
    const std::vector<LaneTokens> lanes{{0, 1, 3}, {1, 1, 3}};
    const GroupRouting g = route_group(s, 4, 2, 5, 0, lanes);
    EXPECT_EQ(g.capacity, 3U);
    EXPECT_EQ(g.kept, (std::vector<std::uint64_t>{3, 3, 0, 0, 0, 0, 0, 0}));
    EXPECT_EQ(g.dropped, (std::vector<std::uint64_t>{0, 6}));
    // Without a limit nothing is dropped.
    s.capacity_factor = 0.0;
    const GroupRouting all = route_group(s, 4, 2, 5, 0, lanes);
    EXPECT_EQ(all.kept, (std::vector<std::uint64_t>{3, 3, 0, 0, 3, 3, 0, 0}));
    EXPECT_EQ(all.dropped, (std::vector<std::uint64_t>{0, 0}));
}

TEST(MoeRouter, PicksDependOnTheTokenNotOnTheLaneSplit) {
    MoeSpec s;  // uniform
    const std::vector<LaneTokens> one{{10, 6, 5}};
    const std::vector<LaneTokens> three{{10, 2, 5}, {12, 3, 5}, {15, 1, 5}};
    const GroupRouting a = route_group(s, 8, 2, 3, 7, one);
    const GroupRouting b = route_group(s, 8, 2, 3, 7, three);
    EXPECT_EQ(per_expert(a), per_expert(b));
    // Two distinct experts per token: 30 tokens give 60 picks, no expert more than 30.
    const auto sum = per_expert(a);
    EXPECT_EQ(std::accumulate(sum.begin(), sum.end(), std::uint64_t{0}), 60U);
    EXPECT_LE(*std::max_element(sum.begin(), sum.end()), 30U);
    // Another layer or pass draws again.
    EXPECT_NE(per_expert(route_group(s, 8, 2, 4, 7, one)), sum);
    // The seed matters.
    s.seed = 2;
    EXPECT_NE(per_expert(route_group(s, 8, 2, 3, 7, one)), sum);
}

TEST(MoeRouter, ZipfSkewRaisesTheLoadOfThePopularExperts) {
    const std::vector<LaneTokens> lanes{{0, 64, 64}};  // 4096 tokens
    const auto imbalance = [&](const MoeSpec& s) {
        const auto sum = per_expert(route_group(s, 8, 2, 0, 0, lanes));
        const double mean = 4096.0 * 2 / 8;
        return static_cast<double>(*std::max_element(sum.begin(), sum.end())) / mean;
    };
    MoeSpec uniform;
    MoeSpec zipf;
    ASSERT_TRUE(parse_moe_routing("zipf:1.2", zipf));
    EXPECT_LT(imbalance(uniform), 1.1);  // 1024 per expert ± a few %
    EXPECT_GT(imbalance(zipf), 1.5);     // expert 0 takes far more than its share
}

TEST(MoeRouter, ParsesAndPrintsTheRoutingKeys) {
    MoeSpec s;
    EXPECT_TRUE(parse_moe_routing("round_robin", s));
    EXPECT_EQ(moe_routing_text(s), "round_robin");
    EXPECT_TRUE(parse_moe_routing("zipf:1.5", s));
    EXPECT_EQ(moe_routing_text(s), "zipf:1.5");
    EXPECT_FALSE(parse_moe_routing("zipf:0", s));
    EXPECT_FALSE(parse_moe_routing("zipf:-1", s));
    EXPECT_FALSE(parse_moe_routing("zipf:x", s));
    EXPECT_FALSE(parse_moe_routing("skewed", s));
}

}  // namespace
}  // namespace ltdes::workload
