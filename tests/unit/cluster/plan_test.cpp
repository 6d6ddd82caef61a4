// SPDX-License-Identifier: MIT
#include "ltdes/cluster/plan.hpp"

#include "unit/cluster/model_fixtures.hpp"

#include "ltdes/core/error.hpp"

#include <gtest/gtest.h>

namespace ltdes::cluster {
namespace {

using testing::gpt2;
using testing::gpt2_workload;

ClusterSpec explicit_spec(std::uint32_t tp, std::uint32_t pp, std::uint32_t dp) {
    ClusterSpec s;
    s.plan = PlanSpec{false, tp, pp, dp};
    s.chips = tp * pp * dp;
    return s;
}

TEST(SplitEven, UnevenSplitsGiveTheFirstPartsOneMore) {
    EXPECT_EQ(split_even(25, 4, 0), (Range{0, 7}));
    EXPECT_EQ(split_even(25, 4, 1), (Range{7, 6}));
    EXPECT_EQ(split_even(25, 4, 2), (Range{13, 6}));
    EXPECT_EQ(split_even(25, 4, 3), (Range{19, 6}));
    EXPECT_EQ(split_even(2, 4, 3), (Range{2, 0}));
    EXPECT_EQ(split_even(12, 5, 4), (Range{10, 2}));
}

TEST(Plan, AutoPlanOfGpt2On64ChipsIsTheBenchmarkShape) {
    const auto p = Plan::choose_auto(64, gpt2(), gpt2_workload());
    EXPECT_EQ(p.tp, 4U);
    EXPECT_EQ(p.pp, 4U);
    EXPECT_EQ(p.dp, 4U);
}

TEST(Plan, AutoPlanOfGpt3On1024ChipsIsTheIssueShape) {
    const auto p =
        Plan::choose_auto(1024, testing::gpt3_175b(), workload::WorkloadSpec{8, 2048, 128, 4});
    EXPECT_EQ(p.tp, 8U);
    EXPECT_EQ(p.pp, 16U);
    EXPECT_EQ(p.dp, 8U);
}

TEST(Plan, AutoPlanFitsSmallModelsAndOddChipCounts) {
    // deit-t: 3 heads, 12 layers, batch 1 on 64 chips: tp ≤ 3 → 2 (divides 64), pp ≤ 12 → 8,
    // busy = 16 chips; the rest are idle replicas.
    workload::ModelShape deit = gpt2();
    deit.family = workload::Family::deit;
    deit.n_heads = 3;
    deit.n_kv_heads = 3;
    const auto a = Plan::choose_auto(64, deit, workload::WorkloadSpec{1, 197, 0, 4});
    EXPECT_EQ(a.tp, 2U);
    EXPECT_EQ(a.pp, 8U);
    EXPECT_EQ(a.dp, 4U);
    // 7 chips (prime): 7 busy either way; balanced ties broken by smaller tp, then pp → dp 7.
    const auto b = Plan::choose_auto(7, gpt2(), gpt2_workload());
    EXPECT_EQ(b.tp, 1U);
    EXPECT_EQ(b.pp, 1U);
    EXPECT_EQ(b.dp, 7U);
    const auto c = Plan::choose_auto(1, gpt2(), gpt2_workload());
    EXPECT_EQ(c.tp * c.pp * c.dp, 1U);
}

TEST(Plan, ChipIdsAreDpPpTpRowMajor) {
    const Plan plan(explicit_spec(4, 4, 4), gpt2(), gpt2_workload());
    EXPECT_EQ(plan.chips(), 64U);
    EXPECT_EQ(plan.coord(27), (ChipCoord{1, 2, 3}));  // 27 = (1·4 + 2)·4 + 3
    EXPECT_EQ(plan.chip(ChipCoord{1, 2, 3}), 27U);
    EXPECT_EQ(plan.coord(0), (ChipCoord{0, 0, 0}));
    EXPECT_EQ(plan.coord(63), (ChipCoord{3, 3, 3}));
    for (std::uint32_t c = 0; c < 64; ++c) {
        EXPECT_EQ(plan.chip(plan.coord(c)), c);
    }
}

TEST(Plan, LayersAreContiguousAndAsEvenAsPossible) {
    const Plan plan(explicit_spec(1, 5, 1), gpt2(), gpt2_workload());
    // 12 layers over 5 stages: 3, 3, 2, 2, 2.
    const std::uint32_t expected_stage[12] = {0, 0, 0, 1, 1, 1, 2, 2, 3, 3, 4, 4};
    for (std::uint32_t l = 0; l < 12; ++l) {
        EXPECT_EQ(plan.stage_of_layer(l), expected_stage[l]) << "layer " << l;
    }
    EXPECT_EQ(plan.layers(0), (Range{0, 3}));
    EXPECT_EQ(plan.layers(4), (Range{10, 2}));
}

TEST(Plan, HeadsSplitUnevenlyAndKvHeadsFollowTheirGroups) {
    auto m = gpt2();
    m.n_heads = 25;
    m.n_kv_heads = 25;
    m.attn_width = 25 * 64;
    const Plan plan(explicit_spec(4, 1, 1), m, gpt2_workload());
    EXPECT_EQ(plan.heads(0).count, 7U);
    EXPECT_EQ(plan.heads(3), (Range{19, 6}));
    EXPECT_EQ(plan.kv_heads(0), (Range{0, 7}));  // MHA: one KV head per query head

    // GQA 32/8 (groups of 4) on tp 3: query heads 0-10, 11-21, 22-31 touch KV groups 0-2,
    // 2-5 and 5-7.
    const Plan g(explicit_spec(3, 1, 1), testing::gqa(), gpt2_workload());
    EXPECT_EQ(g.kv_heads(0), (Range{0, 3}));
    EXPECT_EQ(g.kv_heads(1), (Range{2, 4}));
    EXPECT_EQ(g.kv_heads(2), (Range{5, 3}));

    // KV heads fewer than tp are replicated: 8 heads, 2 KV heads on tp 4.
    auto few = gpt2();
    few.n_heads = 8;
    few.n_kv_heads = 2;
    const Plan f(explicit_spec(4, 1, 1), few, gpt2_workload());
    EXPECT_EQ(f.kv_heads(0), (Range{0, 1}));
    EXPECT_EQ(f.kv_heads(1), (Range{0, 1}));
    EXPECT_EQ(f.kv_heads(2), (Range{1, 1}));
    EXPECT_EQ(f.kv_heads(3), (Range{1, 1}));
}

TEST(Plan, BatchSplitsOverReplicasAndExtraReplicasIdle) {
    const Plan a(explicit_spec(1, 1, 3), gpt2(), gpt2_workload());
    EXPECT_EQ(a.requests(0), (Range{0, 3}));
    EXPECT_EQ(a.requests(1), (Range{3, 3}));
    EXPECT_EQ(a.requests(2), (Range{6, 2}));
    const Plan b(explicit_spec(1, 1, 16), gpt2(), gpt2_workload());
    EXPECT_EQ(b.requests(7).count, 1U);
    EXPECT_EQ(b.requests(8).count, 0U);
    EXPECT_EQ(b.active_replicas(), 8U);
}

TEST(Plan, MicrobatchesAutoAndExplicit) {
    const Plan a(explicit_spec(4, 4, 4), gpt2(), gpt2_workload());
    EXPECT_EQ(a.microbatches(), 2U);  // min(pp 4, 2 requests per replica)
    auto s = explicit_spec(1, 4, 1);
    s.microbatches = 3;
    const Plan b(s, gpt2(), gpt2_workload());
    EXPECT_EQ(b.microbatches(), 3U);
    EXPECT_EQ(b.microbatch_requests(0, 0), (Range{0, 3}));
    EXPECT_EQ(b.microbatch_requests(0, 2), (Range{6, 2}));
    s.microbatches = 9;
    EXPECT_THROW(Plan(s, gpt2(), gpt2_workload()), ConfigError);
}

TEST(Plan, ExplicitPlansMustFitTheModel) {
    EXPECT_THROW(Plan(explicit_spec(16, 1, 1), gpt2(), gpt2_workload()), ConfigError);  // 12 heads
    EXPECT_THROW(Plan(explicit_spec(1, 13, 1), gpt2(), gpt2_workload()), ConfigError);  // 12 layers
    try {
        Plan(explicit_spec(1, 13, 1), gpt2(), gpt2_workload(), "c.yaml");
    } catch (const ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find("c.yaml: pp = 13 is more than the 12 layers"),
                  std::string::npos)
            << e.what();
    }
}

TEST(Plan, BusFanOutOfAnAutoPlanIsChecked) {
    ClusterSpec s;  // auto on 64 chips: tp 4 for gpt2
    s.topology = TopologyKind::bus;
    s.bcast.max_readers = 2;
    EXPECT_THROW(Plan(s, gpt2(), gpt2_workload()), ConfigError);  // tp 4 → 3 readers
    s.bcast.max_readers = 3;
    EXPECT_NO_THROW(Plan(s, gpt2(), gpt2_workload()));
}

TEST(Plan, AutomaticSpecUsesChipsFromTheSpec) {
    ClusterSpec s;  // built-in: 64 chips, auto
    const Plan p(s, gpt2(), gpt2_workload());
    EXPECT_TRUE(p.automatic());
    EXPECT_EQ(p.tp(), 4U);
    EXPECT_EQ(p.pp(), 4U);
    EXPECT_EQ(p.dp(), 4U);
}

}  // namespace
}  // namespace ltdes::cluster
