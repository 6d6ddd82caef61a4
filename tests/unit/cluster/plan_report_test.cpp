// SPDX-License-Identifier: MIT
#include "ltdes/cluster/plan_report.hpp"

#include "unit/cluster/model_fixtures.hpp"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

namespace ltdes::cluster {
namespace {

using workload::Op;
using workload::OpKind;
using workload::Phase;

Op op_at(Phase phase, std::uint32_t step, std::int32_t layer, OpKind kind, const char* name) {
    Op op;
    op.phase = phase;
    op.step = step;
    op.layer = layer;
    op.kind = kind;
    op.name = name;
    return op;
}

/// A two-pass toy stream over gpt2's 12 layers: per layer qkv, proj, ffn1, ffn2; plus an
/// embedding before and an LM head after each pass.
std::vector<Op> toy_stream() {
    std::vector<Op> ops;
    for (const auto& [phase, step] :
         {std::pair{Phase::prefill, 0U}, std::pair{Phase::decode, 1U}}) {
        ops.push_back(op_at(phase, step, -1, OpKind::lookup, "tok_embed"));
        for (std::int32_t l = 0; l < 12; ++l) {
            ops.push_back(op_at(phase, step, l, OpKind::gemm, "qkv"));
            ops.push_back(op_at(phase, step, l, OpKind::gemm, "proj"));
            ops.push_back(op_at(phase, step, l, OpKind::gemm, "ffn1"));
            ops.push_back(op_at(phase, step, l, OpKind::gemm, "ffn2"));
        }
        ops.push_back(op_at(phase, step, -1, OpKind::gemm, "lm_head"));
    }
    return ops;
}

Plan gpt2_plan(std::uint32_t tp, std::uint32_t pp, std::uint32_t dp) {
    ClusterSpec s;
    s.plan = PlanSpec{false, tp, pp, dp};
    s.chips = tp * pp * dp;
    return Plan(s, testing::gpt2(), testing::gpt2_workload());
}

TEST(OpCensus, CountsPerStageAndExpectedInstances) {
    const Plan plan = gpt2_plan(4, 4, 4);  // 2 micro-batches of 1 request per replica
    OpCensus census(plan);
    for (const Op& op : toy_stream()) {
        census.add(op);
    }
    EXPECT_EQ(census.logical_ops(), 2U * (1 + 48 + 1));
    EXPECT_EQ(census.passes(), 2U);
    // Stage 0: embedding + 3 layers · 4 ops per pass; stage 3: 3 layers · 4 + LM head.
    EXPECT_EQ(census.stage_ops(0), 2U * 13);
    EXPECT_EQ(census.stage_ops(1), 2U * 12);
    EXPECT_EQ(census.stage_ops(3), 2U * 13);
    EXPECT_EQ(census.stage_all_reduces(0), 2U * 3 * 2);  // proj and ffn2 of 3 layers
    // Every op once per tensor rank (4) and per micro-batch (4 replicas · 2).
    EXPECT_EQ(census.op_instances(), 100U * 4 * 8);
    EXPECT_EQ(census.all_reduce_instances(), 2U * 24 * 8);
    // 2 passes · 3 stage boundaries · 4 tensor ranks · 8 micro-batches.
    EXPECT_EQ(census.pipeline_transfers(), 2U * 3 * 4 * 8);
}

TEST(OpCensus, ExpectedEventsCountsShardsChunksTransfersAndFeedback) {
    const Plan plan = gpt2_plan(4, 4, 4);
    OpCensus census(plan);
    for (const Op& op : toy_stream()) {
        census.add(op);
    }
    // 3200 op shards; 384 all-reduces · 2(4−1) chunk steps · 4 members = 9216 chunk messages;
    // 192 pipeline transfers; feedback: 8 micro-batches · 4 tensor ranks after 1 of 2 passes.
    // Fully connected: every message is one event.
    ClusterSpec fc;
    fc.topology = TopologyKind::fully_connected;
    EXPECT_EQ(census.expected_events(Topology(fc, 64), fc.collective), 12640U);
    // On the 64-chip ring each is one event per hop: a chunk step is 3 one-hop messages and
    // the 3-hop wrap-around (6 events, not 4), a stage boundary is 4 hops, the way back 12.
    const ClusterSpec ring;
    EXPECT_EQ(census.expected_events(Topology(ring, 64), ring.collective),
              3200U + 384U * 6U * 6U + 192U * 4U + 32U * 12U);
    ClusterSpec bus;
    bus.topology = TopologyKind::bus;
    // The bus's direct all-reduce: 3 slots of 4 unicasts, then 4 broadcasts each read by 3
    // members (one event per reader): 24 events, 1 per transfer and feedback.
    EXPECT_EQ(census.expected_events(Topology(bus, 64), bus.collective),
              3200U + 384U * (12U + 4U * 3U) + 192U + 32U);
    // A bus per tensor group: the bus's all-reduces, the ring's transfers and feedback.
    ClusterSpec per_tp;
    per_tp.topology = TopologyKind::bus_per_tp;
    EXPECT_EQ(census.expected_events(Topology(per_tp, 64, 4), per_tp.collective),
              3200U + 384U * 24U + 192U * 4U + 32U * 12U);
    const Plan one = gpt2_plan(1, 1, 1);
    OpCensus single(one);
    for (const Op& op : toy_stream()) {
        single.add(op);
    }
    EXPECT_EQ(single.expected_events(Topology(ring, 1), ring.collective), 100U);  // one per op
}

TEST(OpCensus, OneChipHasNoCollectives) {
    const Plan plan = gpt2_plan(1, 1, 1);
    OpCensus census(plan);
    for (const Op& op : toy_stream()) {
        census.add(op);
    }
    EXPECT_EQ(census.op_instances(), 100U);
    EXPECT_EQ(census.all_reduce_instances(), 0U);
    EXPECT_EQ(census.pipeline_transfers(), 0U);
}

TEST(PlanReport, ListsPlanRanksLookaheadOpsAndDramFit) {
    const ClusterSpec spec;  // built-in: 64 chips, auto
    const Plan plan(spec, testing::gpt2(), testing::gpt2_workload());
    const Topology topo(spec, plan.chips());
    OpCensus census(plan);
    for (const Op& op : toy_stream()) {
        census.add(op);
    }
    PlanReportInputs in;
    in.trace = "traces/gpt2.trace";
    in.cluster_source = "built-in";
    in.ranks = 2;
    in.census = &census;
    const std::string r = format_plan_report(spec, plan, topo, in);
    EXPECT_NE(r.find("auto: tp 4 x pp 4 x dp 4 = 64 chips, 64 busy"), std::string::npos) << r;
    EXPECT_NE(r.find("LPs (chips) per rank: 0: 0-31, 1: 32-63"), std::string::npos) << r;
    EXPECT_NE(r.find("lookahead  104900 ps"), std::string::npos) << r;
    EXPECT_NE(r.find("expected 3200 op instances"), std::string::npos) << r;
    EXPECT_NE(r.find("DRAM: fits"), std::string::npos) << r;
    // Stage 1, tensor rank 2: chips 6, 22, 38, 54; layers 3-5; heads 6-8; columns 1536-2303.
    const auto at = r.find(" 6,22,38,54 ");
    ASSERT_NE(at, std::string::npos) << r;
    const auto row_start = r.rfind('\n', at) + 1;
    std::istringstream row(r.substr(row_start, r.find('\n', at) - row_start));
    std::vector<std::string> cells;
    for (std::string cell; row >> cell;) {
        cells.push_back(cell);
    }
    const std::vector<std::string> expected = {"1",   "2",   "6,22,38,54", "3-5",
                                               "6-8", "6-8", "1536-2303",  "24"};
    ASSERT_GE(cells.size(), expected.size()) << r;
    for (std::size_t i = 0; i < expected.size(); ++i) {
        EXPECT_EQ(cells[i], expected[i]) << "column " << i;
    }
}

TEST(PlanReport, SaysWhenDramDoesNotFitAndWhichRanksIdle) {
    ClusterSpec spec;
    spec.chips = 2;
    spec.plan = PlanSpec{false, 1, 2, 1};
    spec.dram.capacity_gib = 0.01;
    const Plan plan(spec, testing::gpt2(), testing::gpt2_workload());
    const Topology topo(spec, plan.chips());
    PlanReportInputs in;
    in.trace = "t";
    in.ranks = 4;
    const std::string r = format_plan_report(spec, plan, topo, in);
    EXPECT_NE(r.find("DRAM: does NOT fit: 2 chip(s)"), std::string::npos) << r;
    EXPECT_NE(r.find("ranks 2-3 idle"), std::string::npos) << r;
    EXPECT_FALSE(dram_fit(plan, 4, 0.01).fits());
    EXPECT_TRUE(dram_fit(plan, 4, 24.0).fits());
}

TEST(PlanReport, RankOfChipUsesContiguousBlocks) {
    EXPECT_EQ(rank_of_chip(0, 64, 2), 0);
    EXPECT_EQ(rank_of_chip(31, 64, 2), 0);
    EXPECT_EQ(rank_of_chip(32, 64, 2), 1);
    EXPECT_EQ(rank_of_chip(3, 10, 4), 1);  // blocks 3, 3, 2, 2
    EXPECT_EQ(rank_of_chip(9, 10, 4), 3);
    EXPECT_EQ(rank_of_chip(5, 8, 64), 5);
}

}  // namespace
}  // namespace ltdes::cluster
