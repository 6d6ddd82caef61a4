// SPDX-License-Identifier: MIT
#include "ltdes/workload/layer_builder.hpp"

#include <algorithm>
#include <utility>

namespace ltdes::workload {

namespace {

OpKind act_kind(const ModelShape& m) {
    return m.act == ActKind::silu ? OpKind::silu : OpKind::gelu;
}

std::string act_name(const ModelShape& m) {
    return std::string(kActKindNames[static_cast<std::size_t>(m.act)]);
}

}  // namespace

std::uint64_t bytes_of(std::uint64_t elements, std::uint32_t bits) {
    return (elements * bits + 7) / 8;
}

OpKind norm_kind(const ModelShape& model) {
    return model.norm == NormKind::rmsnorm ? OpKind::rmsnorm : OpKind::layernorm;
}

std::uint64_t OpSink::add(OpKind kind,
                          std::string name,
                          std::uint64_t m,
                          std::uint64_t n,
                          std::uint64_t k,
                          std::uint64_t count,
                          std::uint64_t bytes,
                          std::vector<std::uint64_t> deps,
                          BmmRole role) {
    std::erase(deps, kNoInput);
    Op& op = out_.emplace_back();
    op.id = next_id_++;
    op.phase = phase_;
    op.step = step_;
    op.layer = layer_;
    op.kind = kind;
    op.role = role;
    op.name = std::move(name);
    op.m = m;
    op.n = n;
    op.k = k;
    op.count = count;
    op.bytes = bytes;
    op.deps = std::move(deps);
    return op.id;
}

std::uint64_t add_ffn(OpSink& b,
                      const ModelShape& m,
                      std::uint32_t bits,
                      std::uint64_t tokens,
                      std::uint64_t input,
                      const std::string& suffix) {
    const std::uint64_t d = m.d_model;
    const std::uint64_t f = m.d_ff;
    const std::uint64_t w_bytes = bytes_of(d * f, bits);
    const std::uint64_t up =
        b.add(OpKind::gemm, "ffn1" + suffix, tokens, f, d, 1, w_bytes, {input});
    std::uint64_t hidden = 0;
    if (m.gated_ffn) {
        const std::uint64_t gate =
            b.add(OpKind::gemm, "ffn_gate" + suffix, tokens, f, d, 1, w_bytes, {input});
        const std::uint64_t act =
            b.add(act_kind(m), act_name(m) + suffix, tokens, f, 1, 1, 0, {gate});
        hidden = b.add(OpKind::mul, "gate_mul" + suffix, tokens, f, 1, 1, 0, {act, up});
    } else {
        hidden = b.add(act_kind(m), act_name(m) + suffix, tokens, f, 1, 1, 0, {up});
    }
    return b.add(OpKind::gemm, "ffn2" + suffix, tokens, d, f, 1, w_bytes, {hidden});
}

std::uint64_t add_moe(
    OpSink& b, const ModelShape& m, std::uint32_t bits, std::uint64_t tokens, std::uint64_t input) {
    const std::uint64_t d = m.d_model;
    const std::uint64_t experts = m.n_experts;
    const std::uint64_t router =
        b.add(OpKind::gemm, "router", tokens, experts, d, 1, bytes_of(d * experts, bits), {input});
    const std::uint64_t topk = b.add(OpKind::router, "topk", tokens, experts, 1, 1, 0, {router});
    const std::uint64_t assignments = tokens * m.top_k;
    std::vector<std::uint64_t> outputs;
    for (std::uint64_t e = 0; e < experts; ++e) {
        const std::uint64_t rows = assignments / experts + (e < assignments % experts ? 1 : 0);
        if (rows == 0) {
            continue;  // an expert without tokens runs nothing
        }
        outputs.push_back(add_ffn(b, m, bits, rows, topk, ".e" + std::to_string(e)));
    }
    return b.add(OpKind::add, "moe_combine", assignments, d, 1, 1, 0, std::move(outputs));
}

std::uint64_t add_layer(OpSink& b,
                        const ModelShape& m,
                        std::uint32_t bits,
                        std::span<const AttentionGroup> groups,
                        std::uint64_t input) {
    const std::uint64_t d = m.d_model;
    const std::uint64_t kv_width = std::uint64_t{2} * m.n_kv_heads * m.d_head;
    const std::uint64_t qkv_width = m.attn_width + kv_width;
    const std::uint64_t row_bytes = bytes_of(kv_width, bits);
    std::uint64_t t = 0;  // the M of every token-wise GEMM
    for (const AttentionGroup& g : groups) {
        t += g.tokens * g.requests;
    }

    const std::uint64_t ln1 = b.add(norm_kind(m), "ln1", t, d, 1, 1, 0, {input});
    std::uint64_t qkv =
        b.add(OpKind::gemm, "qkv", t, qkv_width, d, 1, bytes_of(d * qkv_width, bits), {ln1});
    if (m.family == Family::llama || m.family == Family::mixtral) {
        const std::uint64_t rotated = std::uint64_t{m.n_heads + m.n_kv_heads} * m.d_head;
        qkv = b.add(OpKind::rope, "rope", t, rotated, 1, 1, 0, {qkv});
    }
    // Encoders attend over the pass's own keys; decoders append them to the KV cache first.
    const std::uint64_t keys = m.is_encoder() ? qkv
                                              : b.add(OpKind::kv_write, "kv_write", t, kv_width, 1,
                                                      1, t * row_bytes, {qkv});
    std::vector<std::uint64_t> outs;
    for (const AttentionGroup& g : groups) {
        const std::uint64_t q = g.tokens;
        const std::uint64_t kv_len = g.cached + q;
        const std::uint64_t heads = g.requests * m.n_heads;
        std::vector<std::uint64_t> qk_deps{keys};
        if (g.cached > 0) {
            // The cache as it was before this pass: every earlier token of each request.
            const std::uint64_t rows = g.requests * g.cached;
            qk_deps.push_back(
                b.add(OpKind::kv_read, "kv_read", rows, kv_width, 1, 1, rows * row_bytes, {input}));
        }
        const std::uint64_t qk = b.add(OpKind::bmm, "attn_qk", q, kv_len, m.d_head, heads, 0,
                                       std::move(qk_deps), BmmRole::qk);
        const std::uint64_t soft = b.add(OpKind::softmax, "softmax", q, kv_len, 1, heads, 0, {qk});
        outs.push_back(
            b.add(OpKind::bmm, "attn_sv", q, m.d_head, kv_len, heads, 0, {soft}, BmmRole::sv));
    }
    const std::uint64_t proj =
        b.add(OpKind::gemm, "proj", t, d, m.attn_width, 1,
              bytes_of(std::uint64_t{m.attn_width} * d, bits), std::move(outs));
    const std::uint64_t res1 = b.add(OpKind::add, "res1", t, d, 1, 1, 0, {proj, input});
    const std::uint64_t ln2 = b.add(norm_kind(m), "ln2", t, d, 1, 1, 0, {res1});
    const std::uint64_t ffn =
        m.n_experts > 1 ? add_moe(b, m, bits, t, ln2) : add_ffn(b, m, bits, t, ln2, "");
    return b.add(OpKind::add, "res2", t, d, 1, 1, 0, {ffn, res1});
}

}  // namespace ltdes::workload
