// SPDX-License-Identifier: MIT
#include "ltdes/serving/iteration_ops.hpp"

#include "ltdes/core/error.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <initializer_list>
#include <map>
#include <string>
#include <utility>

namespace ltdes::serving {

namespace {

using workload::BmmRole;
using workload::Op;
using workload::OpKind;

std::uint64_t bytes_of(std::uint64_t elements, std::uint32_t bits) {
    return (elements * bits + 7) / 8;
}

/// Appends ops with local ids; deps are indices into the same segment.
class Segment {
public:
    explicit Segment(std::vector<Op>& out, std::int32_t layer) : out_(out), layer_(layer) {}

    std::uint64_t add(OpKind kind,
                      std::string name,
                      std::uint64_t m,
                      std::uint64_t n,
                      std::uint64_t k,
                      std::uint64_t count,
                      std::uint64_t bytes,
                      std::vector<std::uint64_t> deps,
                      BmmRole role = BmmRole::none) {
        Op& op = out_.emplace_back();
        op.id = out_.size() - 1;
        op.phase = workload::Phase::decode;
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

private:
    std::vector<Op>& out_;
    std::int32_t layer_;
};

constexpr std::uint64_t kInput = UINT64_MAX;  ///< the segment's input: no dependency

std::vector<std::uint64_t> deps_of(std::initializer_list<std::uint64_t> ids) {
    std::vector<std::uint64_t> d;
    for (const std::uint64_t i : ids) {
        if (i != kInput) {
            d.push_back(i);
        }
    }
    return d;
}

std::uint64_t add_ffn(Segment& b,
                      const workload::ModelShape& m,
                      std::uint32_t bits,
                      std::uint64_t tokens,
                      std::uint64_t input,
                      const std::string& suffix) {
    const std::uint64_t d = m.d_model;
    const std::uint64_t f = m.d_ff;
    const std::uint64_t w = bytes_of(d * f, bits);
    const OpKind act = m.act == workload::ActKind::silu ? OpKind::silu : OpKind::gelu;
    const std::string act_name(workload::kActKindNames[static_cast<std::size_t>(m.act)]);
    const std::uint64_t up = b.add(OpKind::gemm, "ffn1" + suffix, tokens, f, d, 1, w, {input});
    std::uint64_t hidden = 0;
    if (m.gated_ffn) {
        const std::uint64_t gate =
            b.add(OpKind::gemm, "ffn_gate" + suffix, tokens, f, d, 1, w, {input});
        const std::uint64_t a = b.add(act, act_name + suffix, tokens, f, 1, 1, 0, {gate});
        hidden = b.add(OpKind::mul, "gate_mul" + suffix, tokens, f, 1, 1, 0, {a, up});
    } else {
        hidden = b.add(act, act_name + suffix, tokens, f, 1, 1, 0, {up});
    }
    return b.add(OpKind::gemm, "ffn2" + suffix, tokens, d, f, 1, w, {hidden});
}

std::uint64_t add_moe(Segment& b,
                      const workload::ModelShape& m,
                      std::uint32_t bits,
                      std::uint64_t tokens,
                      std::uint64_t input) {
    const std::uint64_t d = m.d_model;
    const std::uint64_t experts = m.n_experts;
    const std::uint64_t router =
        b.add(OpKind::gemm, "router", tokens, experts, d, 1, bytes_of(d * experts, bits), {input});
    const std::uint64_t topk = b.add(OpKind::router, "topk", tokens, experts, 1, 1, 0, {router});
    const std::uint64_t assignments = tokens * m.top_k;
    std::vector<std::uint64_t> outputs;
    for (std::uint64_t e = 0; e < experts; ++e) {
        const std::uint64_t rows = assignments / experts + (e < assignments % experts ? 1 : 0);
        if (rows != 0) {
            outputs.push_back(add_ffn(b, m, bits, rows, topk, ".e" + std::to_string(e)));
        }
    }
    return b.add(OpKind::add, "moe_combine", assignments, d, 1, 1, 0, std::move(outputs));
}

}  // namespace

IterationOps build_iteration_ops(const workload::ModelShape& m,
                                 std::uint32_t bits,
                                 std::span<const SliceShape> batch) {
    if (m.is_encoder()) {
        throw ConfigError(fmt::format("{}: serving needs a decoder model", m.name));
    }
    IterationOps r;
    const std::uint64_t d = m.d_model;
    std::uint64_t tokens = 0;
    std::uint64_t emitting = 0;
    // Requests with the same shape share each attention op; ordered by (tokens, cached).
    std::map<std::pair<std::uint64_t, std::uint64_t>, std::uint64_t> groups;
    for (const SliceShape& s : batch) {
        tokens += s.tokens;
        emitting += s.emits ? 1 : 0;
        ++groups[{s.tokens, s.cached}];
    }

    Segment head(r.head, -1);
    head.add(OpKind::lookup, "tok_embed", tokens, d, 1, 1, tokens * bytes_of(d, bits), {});

    Segment b(r.layer, 0);
    const std::uint64_t kv_width = std::uint64_t{2} * m.n_kv_heads * m.d_head;
    const std::uint64_t qkv_width = m.attn_width + kv_width;
    const std::uint64_t row_bytes = bytes_of(kv_width, bits);
    const OpKind norm = m.norm == workload::NormKind::rmsnorm ? OpKind::rmsnorm : OpKind::layernorm;
    const std::uint64_t ln1 = b.add(norm, "ln1", tokens, d, 1, 1, 0, deps_of({kInput}));
    std::uint64_t qkv =
        b.add(OpKind::gemm, "qkv", tokens, qkv_width, d, 1, bytes_of(d * qkv_width, bits), {ln1});
    if (m.family == workload::Family::llama || m.family == workload::Family::mixtral) {
        const std::uint64_t rotated = std::uint64_t{m.n_heads + m.n_kv_heads} * m.d_head;
        qkv = b.add(OpKind::rope, "rope", tokens, rotated, 1, 1, 0, {qkv});
    }
    const std::uint64_t kv_write =
        b.add(OpKind::kv_write, "kv_write", tokens, kv_width, 1, 1, tokens * row_bytes, {qkv});
    std::vector<std::uint64_t> outs;
    for (const auto& [shape, n] : groups) {
        const auto [q, cached] = shape;
        const std::uint64_t kv_len = cached + q;
        const std::uint64_t heads = n * m.n_heads;
        std::vector<std::uint64_t> qk_deps{kv_write};
        if (cached > 0) {
            const std::uint64_t rows = n * cached;
            qk_deps.push_back(b.add(OpKind::kv_read, "kv_read", rows, kv_width, 1, 1,
                                    rows * row_bytes, deps_of({kInput})));
        }
        const std::uint64_t qk = b.add(OpKind::bmm, "attn_qk", q, kv_len, m.d_head, heads, 0,
                                       std::move(qk_deps), BmmRole::qk);
        const std::uint64_t soft = b.add(OpKind::softmax, "softmax", q, kv_len, 1, heads, 0, {qk});
        outs.push_back(
            b.add(OpKind::bmm, "attn_sv", q, m.d_head, kv_len, heads, 0, {soft}, BmmRole::sv));
    }
    const std::uint64_t proj = b.add(OpKind::gemm, "proj", tokens, d, m.attn_width, 1,
                                     bytes_of(std::uint64_t{m.attn_width} * d, bits), outs);
    const std::uint64_t res1 = b.add(OpKind::add, "res1", tokens, d, 1, 1, 0, {proj});
    const std::uint64_t ln2 = b.add(norm, "ln2", tokens, d, 1, 1, 0, {res1});
    const std::uint64_t ffn =
        m.n_experts > 1 ? add_moe(b, m, bits, tokens, ln2) : add_ffn(b, m, bits, tokens, ln2, "");
    b.add(OpKind::add, "res2", tokens, d, 1, 1, 0, {ffn, res1});

    if (emitting > 0) {
        Segment tail(r.tail, -1);
        const std::uint64_t ln = tail.add(norm, "ln_f", emitting, d, 1, 1, 0, {});
        tail.add(OpKind::gemm, "lm_head", emitting, m.vocab, d, 1, bytes_of(d * m.vocab, bits),
                 {ln});
    }
    return r;
}

}  // namespace ltdes::serving
