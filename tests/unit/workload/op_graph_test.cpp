// SPDX-License-Identifier: MIT
// The op graph against hand formulas: MACs = tokens · (weights per token) + attention terms.
#include "ltdes/workload/op_graph.hpp"

#include "ltdes/core/error.hpp"
#include "ltdes/workload/presets.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ltdes::workload {
namespace {

std::uint64_t total_macs(const std::vector<Op>& ops) {
    std::uint64_t macs = 0;
    for (const Op& op : ops) {
        macs += op.macs();
    }
    return macs;
}

std::vector<std::string> names(const std::vector<Op>& ops, std::size_t from, std::size_t to) {
    std::vector<std::string> out;
    for (std::size_t i = from; i < to; ++i) {
        out.push_back(ops[i].name);
    }
    return out;
}

const Op& find_op(const std::vector<Op>& ops,
                  Phase phase,
                  std::uint32_t step,
                  std::int32_t layer,
                  const std::string& name) {
    for (const Op& op : ops) {
        if (op.phase == phase && op.step == step && op.layer == layer && op.name == name) {
            return op;
        }
    }
    throw std::runtime_error("no op " + name);
}

TEST(OpGraph, Gpt2MacsAreTokensTimesWeightsPlusAttention) {
    const std::uint64_t B = 2, P = 16, D = 3, L = 12, d = 768, vocab = 50257;
    const auto ops = build_workload_ops(*find_preset("gpt2"),
                                        {.batch = 2, .prompt = 16, .decode = 3, .bits = 4});
    // Per token and layer: QKV 3d², proj d², FFN 2·4d² = 12d² MACs ("2·params" FLOPs / 2).
    const std::uint64_t per_layer = 12 * d * d;
    const std::uint64_t tokens = B * P + B * D;
    const std::uint64_t gemm = tokens * L * per_layer + (1 + D) * B * vocab * d;  // LM head: last
    // QKᵀ and S·V: each q_len · kv_len · d_head per head → 2 · q · kv · d_model per request.
    std::uint64_t attention = L * B * 2 * P * P * d;
    for (std::uint64_t s = 1; s <= D; ++s) {
        attention += L * B * 2 * 1 * (P + s) * d;
    }
    EXPECT_EQ(total_macs(ops), gemm + attention);
}

TEST(OpGraph, LlamaMacsIncludeGqaAndThreeFfnMatrices) {
    for (const char* name : {"llama2-7b", "llama3-8b"}) {
        SCOPED_TRACE(name);
        const ModelShape m = *find_preset(name);
        const std::uint64_t B = 1, P = 32, D = 2, L = 32, d = 4096, dh = 128;
        const std::uint64_t kv = m.n_kv_heads;  // 32 for Llama-2-7B, 8 for Llama-3-8B
        const std::uint64_t ff = m.d_ff;
        const auto ops = build_workload_ops(m, {.batch = 1, .prompt = 32, .decode = 2});
        const std::uint64_t per_layer = d * (d + 2 * kv * dh) + d * d + 3 * d * ff;
        const std::uint64_t tokens = B * (P + D);
        const std::uint64_t gemm = tokens * L * per_layer + (1 + D) * B * m.vocab * d;
        const std::uint64_t attention =
            L * B * 2 * d * (P * P + 1 * (P + 1) + 1 * (P + 2));  // all 32 query heads
        EXPECT_EQ(total_macs(ops), gemm + attention);
    }
}

TEST(OpGraph, MixtralRoutesTokensEvenlyOverExperts) {
    const ModelShape m = *find_preset("mixtral-8x7b");
    // 5 tokens · top-2 = 10 assignments over 8 experts: experts 0 and 1 get 2 rows, others 1.
    const auto ops = build_workload_ops(m, {.batch = 1, .prompt = 5, .decode = 1});
    for (int e = 0; e < 8; ++e) {
        const Op& up = find_op(ops, Phase::prefill, 0, 3, "ffn1.e" + std::to_string(e));
        EXPECT_EQ(up.m, e < 2 ? 2u : 1u) << e;
        EXPECT_EQ(up.k, 4096u);
        EXPECT_EQ(up.n, 14336u);
    }
    // One decode token · top-2: only experts 0 and 1 run.
    int decode_experts = 0;
    for (const Op& op : ops) {
        decode_experts += op.phase == Phase::decode && op.layer == 0 && op.kind == OpKind::gemm &&
                          op.name.rfind("ffn2.e", 0) == 0;
    }
    EXPECT_EQ(decode_experts, 2);
    const Op& router = find_op(ops, Phase::prefill, 0, 0, "router");
    EXPECT_EQ(router.n, 8u);
    const Op& combine = find_op(ops, Phase::prefill, 0, 0, "moe_combine");
    EXPECT_EQ(combine.deps.size(), 8u);
    EXPECT_EQ(combine.elements(), 10u * 4096);
    // MACs: attention weights per token, router, then top-2 experts' 3 matrices per token.
    const std::uint64_t d = 4096, ff = 14336, L = 32, tokens = 6;
    const std::uint64_t attn_w = d * (d + 2 * 8 * 128) + d * d;
    const std::uint64_t gemm =
        tokens * L * (attn_w + d * 8 + 2 * 3 * d * ff) + 2 * std::uint64_t{m.vocab} * d;
    const std::uint64_t attention = L * 2 * d * (5 * 5 + 6);
    EXPECT_EQ(total_macs(ops), gemm + attention);
}

TEST(OpGraph, DeitBMacsMatchThePapersOpList) {
    const auto ops = build_workload_ops(*find_preset("deit-b"), {.batch = 1, .prompt = 197});
    const std::uint64_t d = 768, s = 197;
    const std::uint64_t embed = 196 * 768 * d;  // 196 patches, 3·16·16 = 768 inputs
    const std::uint64_t blocks = 12 * (s * 12 * d * d + 2 * s * s * d);
    const std::uint64_t head = 1 * d * 1000;  // CLS token only
    EXPECT_EQ(total_macs(ops), embed + blocks + head);
    EXPECT_EQ(ops.front().name, "embed");
    EXPECT_EQ(ops.front().m, 196u);
    EXPECT_EQ(ops.back().name, "head");
    EXPECT_EQ(ops.back().m, 1u);
    for (const Op& op : ops) {
        EXPECT_EQ(op.phase, Phase::encoder);
        EXPECT_NE(op.kind, OpKind::kv_write) << "encoders keep no KV cache";
    }
}

TEST(OpGraph, BertHeadHasTwoClassesAndTokensComeFromTheWorkload) {
    const auto ops = build_workload_ops(*find_preset("bert-l"), {.batch = 3, .prompt = 320});
    EXPECT_EQ(ops.front().name, "tok_embed");
    EXPECT_EQ(ops.front().m, 3u * 320);
    EXPECT_EQ(ops.back().name, "head");
    EXPECT_EQ(ops.back().n, 2u);
    EXPECT_EQ(ops.back().m, 3u);
    const Op& qk = find_op(ops, Phase::encoder, 0, 23, "attn_qk");
    EXPECT_EQ(qk.m, 320u);
    EXPECT_EQ(qk.n, 320u);
    EXPECT_EQ(qk.k, 64u);
    EXPECT_EQ(qk.count, 3u * 16);
    EXPECT_EQ(qk.role, BmmRole::qk);
}

TEST(OpGraph, TinyDecoderOpOrderAndCount) {
    const auto ops =
        build_workload_ops(*find_preset("tiny"), {.batch = 2, .prompt = 8, .decode = 4, .bits = 4});
    // Prefill: tok_embed, 2 layers of 13 ops, ln_f, lm_head; a decode layer adds kv_read.
    EXPECT_EQ(ops.size(), (1u + 2 * 13 + 2) + 4 * (1u + 2 * 14 + 2));
    EXPECT_EQ(names(ops, 0, 15),
              (std::vector<std::string>{"tok_embed", "ln1", "qkv", "kv_write", "attn_qk", "softmax",
                                        "attn_sv", "proj", "res1", "ln2", "ffn1", "gelu", "ffn2",
                                        "res2", "ln1"}));
    EXPECT_EQ(names(ops, 27, 29), (std::vector<std::string>{"ln_f", "lm_head"}));
    EXPECT_EQ(names(ops, 29, 35), (std::vector<std::string>{"tok_embed", "ln1", "qkv", "kv_write",
                                                            "kv_read", "attn_qk"}));
    for (std::size_t i = 0; i < ops.size(); ++i) {
        EXPECT_EQ(ops[i].id, i);
        for (const std::uint64_t dep : ops[i].deps) {
            EXPECT_LT(dep, ops[i].id);
        }
    }
    EXPECT_EQ(ops[29].deps, std::vector<std::uint64_t>{28}) << "decode embeds the last token";
}

TEST(OpGraph, DecodeStepsGrowTheKvCache) {
    const std::uint64_t B = 2, P = 8;
    const auto ops =
        build_workload_ops(*find_preset("tiny"), {.batch = 2, .prompt = 8, .decode = 4, .bits = 4});
    for (std::uint32_t s = 1; s <= 4; ++s) {
        SCOPED_TRACE(s);
        const Op& qk = find_op(ops, Phase::decode, s, 1, "attn_qk");
        EXPECT_EQ(qk.m, 1u);
        EXPECT_EQ(qk.n, P + s);
        EXPECT_EQ(qk.k, 16u);
        EXPECT_EQ(qk.count, B * 4);
        const Op& sv = find_op(ops, Phase::decode, s, 1, "attn_sv");
        EXPECT_EQ(sv.role, BmmRole::sv);
        EXPECT_EQ(sv.k, P + s);
        EXPECT_EQ(sv.n, 16u);
        const Op& soft = find_op(ops, Phase::decode, s, 1, "softmax");
        EXPECT_EQ(soft.elements(), (P + s) * B * 4);
        // Cached tokens before this step: K and V of 4 heads × 16 at 4 bits = 64 bytes each.
        const Op& read = find_op(ops, Phase::decode, s, 1, "kv_read");
        EXPECT_EQ(read.m, B * (P + s - 1));
        EXPECT_EQ(read.bytes, B * (P + s - 1) * 64);
        const Op& write = find_op(ops, Phase::decode, s, 1, "kv_write");
        EXPECT_EQ(write.bytes, B * 64);
    }
}

TEST(OpGraph, LlamaHasRopeGqaAndGatedFfn) {
    const auto ops =
        build_workload_ops(*find_preset("llama2-70b"), {.batch = 1, .prompt = 4, .decode = 0});
    const Op& qkv = find_op(ops, Phase::prefill, 0, 0, "qkv");
    EXPECT_EQ(qkv.n, 8192u + 2 * 8 * 128);
    const Op& rope = find_op(ops, Phase::prefill, 0, 0, "rope");
    EXPECT_EQ(rope.kind, OpKind::rope);
    EXPECT_EQ(rope.elements(), 4u * (64 + 8) * 128);
    EXPECT_EQ(find_op(ops, Phase::prefill, 0, 0, "ffn_gate").n, 28672u);
    EXPECT_EQ(find_op(ops, Phase::prefill, 0, 0, "silu").kind, OpKind::silu);
    EXPECT_EQ(find_op(ops, Phase::prefill, 0, 0, "gate_mul").kind, OpKind::mul);
    EXPECT_EQ(find_op(ops, Phase::prefill, 0, 79, "ln2").kind, OpKind::rmsnorm);
    EXPECT_EQ(ops.back().name, "lm_head");
    EXPECT_EQ(ops.back().m, 1u);
}

TEST(OpGraph, StreamsExactlyOpCountOps) {
    OpGraph graph =
        build_workload(*find_preset("gpt3-175b"), {.batch = 8, .prompt = 2048, .decode = 16});
    Op op;
    std::uint64_t n = 0;
    std::uint32_t last_step = 0;
    while (graph.next(op)) {
        ASSERT_EQ(op.id, n);
        ASSERT_GE(op.step, last_step);
        last_step = op.step;
        ++n;
    }
    EXPECT_EQ(n, graph.op_count());
    EXPECT_EQ(last_step, 16u);
    // Prefill: tok_embed, 96 layers of 13 ops, ln_f, lm_head; decode layers add kv_read.
    EXPECT_EQ(n, (1u + 96 * 13 + 2) + 16 * (1u + 96 * 14 + 2));
}

TEST(OpGraph, RejectsBadWorkloads) {
    EXPECT_THROW(build_workload(*find_preset("gpt2"), {.batch = 0, .prompt = 8}), ConfigError);
    EXPECT_THROW(build_workload(*find_preset("gpt2"), {.batch = 1, .prompt = 0}), ConfigError);
    EXPECT_THROW(build_workload(*find_preset("bert-b"), {.batch = 1, .prompt = 8, .decode = 2}),
                 ConfigError);
    EXPECT_THROW(build_workload(*find_preset("gpt2"), {.batch = 1, .prompt = 8, .bits = 0}),
                 ConfigError);
    // Longer than the trained context is allowed (a warning in the CLI).
    const WorkloadSpec long_ctx{.batch = 1, .prompt = 1000, .decode = 100};
    EXPECT_NO_THROW(build_workload(*find_preset("gpt2"), long_ctx));
    EXPECT_TRUE(exceeds_context(*find_preset("gpt2"), long_ctx));
    EXPECT_FALSE(exceeds_context(*find_preset("gpt2"), {.batch = 1, .prompt = 1000, .decode = 24}));
}

}  // namespace
}  // namespace ltdes::workload
