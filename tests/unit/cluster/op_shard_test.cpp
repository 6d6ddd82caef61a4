// SPDX-License-Identifier: MIT
#include "ltdes/cluster/op_shard.hpp"

#include "unit/cluster/model_fixtures.hpp"

#include <gtest/gtest.h>

namespace ltdes::cluster {
namespace {

using workload::Op;
using workload::OpKind;

Op make_op(OpKind kind,
           const char* name,
           std::int32_t layer,
           std::uint64_t m,
           std::uint64_t n,
           std::uint64_t k,
           std::uint64_t count = 1) {
    Op op;
    op.kind = kind;
    op.name = name;
    op.layer = layer;
    op.phase = workload::Phase::prefill;
    op.m = m;
    op.n = n;
    op.k = k;
    op.count = count;
    if (kind == OpKind::bmm) {
        op.role = workload::BmmRole::qk;
    }
    return op;
}

/// gpt2 (batch 8, prompt 1024) on tp 4 × pp 4 × dp 4: each replica serves 2 requests, each
/// tensor rank 3 of the 12 heads and 768 of the 3072 FFN columns, each stage 3 layers.
Plan gpt2_444() {
    ClusterSpec s;
    s.plan = PlanSpec{false, 4, 4, 4};
    return Plan(s, testing::gpt2(), testing::gpt2_workload());
}

TEST(OpShard, QkvKeepsItsHeadsColumnsAndItsReplicasRows) {
    const Plan plan = gpt2_444();
    // Prefill qkv: M = 8·1024 tokens, K = 768, N = 768 + 2·12·64 = 2304.
    const Op qkv = make_op(OpKind::gemm, "qkv", 0, 8192, 2304, 768);
    const OpShard s = shard_op(qkv, plan, 0);
    ASSERT_TRUE(s.runs);
    EXPECT_EQ(s.m, 2048U);           // 2 of 8 requests
    EXPECT_EQ(s.n, (3U + 6U) * 64);  // 3 query heads + 3 K + 3 V heads
    EXPECT_EQ(s.k, 768U);
    EXPECT_FALSE(s.all_reduce_after);
    EXPECT_FALSE(shard_op(qkv, plan, 4).runs);  // chip 4 is stage 1 (layers 3-5)
}

TEST(OpShard, AttentionOutputAndFfnDownNeedAnAllReduce) {
    const Plan plan = gpt2_444();
    const OpShard proj = shard_op(make_op(OpKind::gemm, "proj", 2, 8192, 768, 768), plan, 1);
    EXPECT_EQ(proj.m, 2048U);
    EXPECT_EQ(proj.k, 192U);  // 3 heads · 64
    EXPECT_EQ(proj.n, 768U);
    EXPECT_TRUE(proj.all_reduce_after);
    EXPECT_EQ(proj.all_reduce_elements, 2048U * 768U);

    const OpShard up = shard_op(make_op(OpKind::gemm, "ffn1", 2, 8192, 3072, 768), plan, 1);
    EXPECT_EQ(up.n, 768U);
    EXPECT_EQ(up.k, 768U);
    EXPECT_FALSE(up.all_reduce_after);

    const OpShard down = shard_op(make_op(OpKind::gemm, "ffn2", 2, 8192, 768, 3072), plan, 1);
    EXPECT_EQ(down.k, 768U);
    EXPECT_EQ(down.n, 768U);
    EXPECT_TRUE(down.all_reduce_after);
    EXPECT_EQ(down.all_reduce_elements, 2048U * 768U);
}

TEST(OpShard, AttentionMatmulsKeepTheirHeadsAndRequestsInCount) {
    const Plan plan = gpt2_444();
    // QKᵀ: M = q_len, K = d_head, N = kv_len, count = batch · heads = 96.
    const OpShard qk = shard_op(make_op(OpKind::bmm, "attn_qk", 0, 1024, 1024, 64, 96), plan, 2);
    EXPECT_EQ(qk.count, 6U);  // 2 requests · 3 heads
    EXPECT_EQ(qk.m, 1024U);
    EXPECT_EQ(qk.n, 1024U);
    EXPECT_EQ(qk.k, 64U);
}

TEST(OpShard, ElementWiseOpsKeepTheirElementCountExact) {
    const Plan plan = gpt2_444();
    // softmax over 96 (request, head) score matrices: 2 · 3 of them stay.
    const OpShard sm = shard_op(make_op(OpKind::softmax, "softmax", 0, 1024, 1024, 1, 96), plan, 0);
    EXPECT_EQ(sm.m * sm.n * sm.count, 1024U * 1024U * 6U);
    // GELU over 8192 tokens × 3072 columns: 2/8 of the tokens, 768 of the columns.
    const OpShard g = shard_op(make_op(OpKind::gelu, "gelu", 0, 8192, 3072, 1), plan, 0);
    EXPECT_EQ(g.m * g.n * g.count, 2048U * 768U);
    // LayerNorm is replicated across tensor ranks: only the batch split applies.
    const OpShard ln = shard_op(make_op(OpKind::layernorm, "ln1", 0, 8192, 768, 1), plan, 3);
    EXPECT_EQ(ln.m * ln.n * ln.count, 2048U * 768U);
    EXPECT_FALSE(ln.all_reduce_after);
}

TEST(OpShard, OpsOutsideBlocksRunOnTheFirstOrLastStage) {
    const Plan plan = gpt2_444();
    const Op embed = make_op(OpKind::lookup, "tok_embed", -1, 8192, 768, 1);
    const Op head = make_op(OpKind::gemm, "lm_head", -1, 8, 50257, 768);
    EXPECT_EQ(stage_of_op(embed, plan), 0U);
    EXPECT_EQ(stage_of_op(head, plan), 3U);
    EXPECT_EQ(stage_of_op(make_op(OpKind::layernorm, "ln_f", -1, 8, 768, 1), plan), 3U);
    // Chip 13 = (dp 0, pp 3, tp 1): 2 requests, vocabulary columns 12565..25128 (50257 over
    // 4 = 12565, 12564, 12564, 12564).
    const OpShard s = shard_op(head, plan, 13);
    ASSERT_TRUE(s.runs);
    EXPECT_EQ(s.m, 2U);
    EXPECT_EQ(s.n, 12564U);
    EXPECT_EQ(shard_op(head, plan, 12).n, 12565U);
    EXPECT_FALSE(shard_op(head, plan, 0).runs);
}

TEST(OpShard, UnevenHeadsAndReplicatedKvHeads) {
    auto m = testing::gpt2();
    m.n_heads = 8;
    m.n_kv_heads = 2;
    m.attn_width = 8 * 64;
    ClusterSpec s;
    s.plan = PlanSpec{false, 4, 1, 1};
    const Plan plan(s, m, testing::gpt2_workload());
    // qkv N = 8·64 + 2·2·64 = 768; tp rank 0 keeps 2 query heads and its 1 (replicated) KV head.
    const OpShard q = shard_op(make_op(OpKind::gemm, "qkv", 0, 8192, 768, 768), plan, 0);
    EXPECT_EQ(q.n, (2U + 2U) * 64U);
    // KV-cache traffic: half of the 2 KV heads on every rank.
    const OpShard kv =
        shard_op(make_op(OpKind::kv_read, "kv_read", 0, 8, 2 * 1024 * 128, 1), plan, 2);
    EXPECT_EQ(kv.m * kv.n * kv.count, 8U * 2U * 1024U * 128U / 2U);
}

TEST(OpShard, IdleReplicasRunNothing) {
    ClusterSpec s;
    s.plan = PlanSpec{false, 1, 1, 4};
    const Plan plan(s, testing::gpt2(), workload::WorkloadSpec{2, 16, 4, 4});
    const Op qkv = make_op(OpKind::gemm, "qkv", 0, 32, 2304, 768);
    EXPECT_TRUE(shard_op(qkv, plan, 1).runs);
    EXPECT_EQ(shard_op(qkv, plan, 1).m, 16U);
    EXPECT_FALSE(shard_op(qkv, plan, 2).runs);
    EXPECT_FALSE(shard_op(qkv, plan, 3).runs);
}

TEST(OpShard, OneChipRunsEveryOpUnchanged) {
    ClusterSpec s;
    s.plan = PlanSpec{false, 1, 1, 1};
    s.chips = 1;
    const Plan plan(s, testing::gpt2(), testing::gpt2_workload());
    for (const Op& op : {make_op(OpKind::gemm, "proj", 5, 8192, 768, 768),
                         make_op(OpKind::bmm, "attn_qk", 1, 1024, 1024, 64, 96),
                         make_op(OpKind::softmax, "softmax", 1, 1024, 1024, 1, 96),
                         make_op(OpKind::gemm, "lm_head", -1, 8, 50257, 768)}) {
        const OpShard sh = shard_op(op, plan, 0);
        ASSERT_TRUE(sh.runs);
        EXPECT_EQ(sh.m, op.m);
        EXPECT_EQ(sh.n, op.n);
        EXPECT_EQ(sh.k, op.k);
        EXPECT_EQ(sh.count, op.count);
        EXPECT_FALSE(sh.all_reduce_after);
        const Op applied = apply_shard(op, sh);
        EXPECT_EQ(applied.name, op.name);
        EXPECT_EQ(applied.m, op.m);
    }
}

TEST(OpShard, MicroBatchesShardByTheirOwnRequests) {
    const Plan plan = gpt2_444();
    const Op qkv = make_op(OpKind::gemm, "qkv", 0, 8192, 2304, 768);
    EXPECT_EQ(shard_op(qkv, plan, 0, 1).m, 1024U);  // one request of the replica's two
}

TEST(OpShard, RolesFollowKindsAndGemmNames) {
    EXPECT_EQ(tp_role(make_op(OpKind::gemm, "ffn1.e3", 0, 1, 1, 1)), TpRole::ffn_in);
    EXPECT_EQ(tp_role(make_op(OpKind::gemm, "ffn_gate", 0, 1, 1, 1)), TpRole::ffn_in);
    EXPECT_EQ(tp_role(make_op(OpKind::gemm, "ffn2.e7", 0, 1, 1, 1)), TpRole::ffn_out);
    EXPECT_EQ(tp_role(make_op(OpKind::gemm, "router", 0, 1, 1, 1)), TpRole::replicated);
    EXPECT_EQ(tp_role(make_op(OpKind::mul, "gate_mul", 0, 1, 1, 1)), TpRole::ffn_act);
    EXPECT_EQ(tp_role(make_op(OpKind::rope, "rope", 0, 1, 1, 1)), TpRole::heads_and_kv);
    EXPECT_EQ(tp_role(make_op(OpKind::add, "res1", 0, 1, 1, 1)), TpRole::replicated);
}

}  // namespace
}  // namespace ltdes::cluster
