// SPDX-License-Identifier: MIT
#include "ltdes/cluster/chip_memory.hpp"

#include "unit/cluster/model_fixtures.hpp"

#include <gtest/gtest.h>

namespace ltdes::cluster {
namespace {

Plan plan_of(const workload::ModelShape& m,
             const workload::WorkloadSpec& w,
             std::uint32_t tp,
             std::uint32_t pp,
             std::uint32_t dp) {
    ClusterSpec s;
    s.plan = PlanSpec{false, tp, pp, dp};
    s.chips = tp * pp * dp;
    return Plan(s, m, w);
}

TEST(ChipMemory, Gpt2FirstStageByHand) {
    const Plan plan = plan_of(testing::gpt2(), testing::gpt2_workload(), 4, 4, 4);
    const ChipMemory mem = chip_memory(plan, 0, 4, 24.0);
    // Per layer on one tensor rank (3 heads of 64, 768 FFN columns, d = 768):
    //   qkv 768·(3+6)·64 = 442368, proj 3·64·768 = 147456, FFN 2·768·768 = 1179648
    //   → 1769472 weights; 3 layers → 5308416.
    // First stage: token table 50257·768 = 38597376, positions 1024·768 = 786432.
    const std::uint64_t weights = 5308416ULL + 38597376ULL + 786432ULL;
    EXPECT_EQ(mem.weight_bytes, weights * 4 / 8);
    // KV: 3 layers · K and V · 3 heads · 64 · 2 requests · (1024 + 256) tokens.
    EXPECT_EQ(mem.kv_cache_bytes, 3ULL * 2 * 3 * 64 * 2 * 1280 * 4 / 8);
    EXPECT_EQ(mem.capacity_bytes, 24ULL << 30);
    EXPECT_TRUE(mem.fits());
}

TEST(ChipMemory, LastStageHoldsItsShareOfTheLmHead) {
    const Plan plan = plan_of(testing::gpt2(), testing::gpt2_workload(), 4, 4, 4);
    const ChipMemory mem = chip_memory(plan, 12, 8, 24.0);  // (dp 0, pp 3, tp 0)
    const std::uint64_t weights = 3ULL * 1769472ULL + 12565ULL * 768ULL;
    EXPECT_EQ(mem.weight_bytes, weights);  // 8 bits: one byte each
}

TEST(ChipMemory, OneChipWithTiedEmbeddingsCountsTheTableOnce) {
    const Plan plan = plan_of(testing::gpt2(), workload::WorkloadSpec{1, 16, 0, 4}, 1, 1, 1);
    const ChipMemory mem = chip_memory(plan, 0, 16, 24.0);
    // 12 layers · (qkv 768·2304 + proj 768·768 + FFN 2·768·3072) + token table 50257·768 +
    // positions 1024·768: GPT-2 small's 124.3 M parameters without norms and biases.
    const std::uint64_t weights =
        12ULL * (1769472ULL + 589824ULL + 4718592ULL) + 38597376ULL + 786432ULL;
    EXPECT_EQ(weights, 124318464ULL);
    EXPECT_EQ(mem.weight_bytes, weights * 2);
    EXPECT_EQ(mem.kv_cache_bytes, 12ULL * 2 * 12 * 64 * 1 * 16 * 2);
}

TEST(ChipMemory, TooSmallADramDoesNotFit) {
    const Plan plan =
        plan_of(testing::gpt3_175b(), workload::WorkloadSpec{8, 2048, 128, 8}, 1, 1, 1);
    const ChipMemory mem = chip_memory(plan, 0, 8, 24.0);
    EXPECT_GT(mem.weight_bytes, 170ULL * 1000 * 1000 * 1000);  // ~175 B parameters at 1 byte
    EXPECT_FALSE(mem.fits());
}

TEST(ChipMemory, EncodersKeepNoKvCacheAndIdleReplicasNone) {
    auto bert = testing::gpt2();
    bert.family = workload::Family::bert;
    const Plan plan = plan_of(bert, workload::WorkloadSpec{1, 384, 0, 4}, 1, 1, 2);
    EXPECT_EQ(chip_memory(plan, 0, 4, 24.0).kv_cache_bytes, 0U);
    const Plan gpt = plan_of(testing::gpt2(), workload::WorkloadSpec{1, 16, 4, 4}, 1, 1, 2);
    EXPECT_GT(chip_memory(gpt, 0, 4, 24.0).kv_cache_bytes, 0U);
    EXPECT_EQ(chip_memory(gpt, 1, 4, 24.0).kv_cache_bytes, 0U);  // replica without requests
}

}  // namespace
}  // namespace ltdes::cluster
