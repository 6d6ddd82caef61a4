// SPDX-License-Identifier: MIT
#include "ltdes/workload/op_graph.hpp"

#include <initializer_list>
#include <string>
#include <utility>

namespace ltdes::workload {

namespace {

/// Bytes of `elements` values at `bits` each, rounded up.
std::uint64_t bytes_of(std::uint64_t elements, std::uint32_t bits) {
    return (elements * bits + 7) / 8;
}

/// Appends the ops of one pass with consecutive ids.
class PassBuilder {
public:
    PassBuilder(std::vector<Op>& out, std::uint64_t first_id, Phase phase, std::uint32_t step)
        : out_(out), next_id_(first_id), phase_(phase), step_(step) {}

    void set_layer(std::int32_t layer) { layer_ = layer; }

    std::uint64_t add(OpKind kind,
                      std::string name,
                      std::uint64_t m,
                      std::uint64_t n,
                      std::uint64_t k,
                      std::uint64_t count,
                      std::uint64_t bytes,
                      std::initializer_list<std::uint64_t> deps,
                      BmmRole role = BmmRole::none) {
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
        op.deps.assign(deps.begin(), deps.end());
        return op.id;
    }

    /// Adds an op that depends on every id in `deps` (the MoE combine).
    std::uint64_t add_many(OpKind kind,
                           std::string name,
                           std::uint64_t m,
                           std::uint64_t n,
                           const std::vector<std::uint64_t>& deps) {
        const std::uint64_t id = add(kind, std::move(name), m, n, 1, 1, 0, {});
        out_.back().deps = deps;
        return id;
    }

private:
    std::vector<Op>& out_;
    std::uint64_t next_id_;
    Phase phase_;
    std::uint32_t step_;
    std::int32_t layer_ = -1;
};

/// Sizes of one pass: q_len new tokens per request attending over kv_len keys.
struct PassDims {
    std::uint64_t batch;
    std::uint64_t q_len;
    std::uint64_t kv_len;
    std::uint64_t tokens;  ///< batch · q_len: the M of every token-wise GEMM
    bool decode;
};

OpKind norm_kind(const ModelShape& m) {
    return m.norm == NormKind::rmsnorm ? OpKind::rmsnorm : OpKind::layernorm;
}

OpKind act_kind(const ModelShape& m) {
    return m.act == ActKind::silu ? OpKind::silu : OpKind::gelu;
}

std::string act_name(const ModelShape& m) {
    return std::string(kActKindNames[static_cast<std::size_t>(m.act)]);
}

/// The feed-forward block of one layer (dense or gated); returns the id of its output.
std::uint64_t add_ffn(PassBuilder& b,
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

/// Router and experts of an MoE layer; returns the id of the combine op.
std::uint64_t add_moe(PassBuilder& b,
                      const ModelShape& m,
                      std::uint32_t bits,
                      std::uint64_t tokens,
                      std::uint64_t input) {
    const std::uint64_t d = m.d_model;
    const std::uint64_t experts = m.n_experts;
    const std::uint64_t router =
        b.add(OpKind::gemm, "router", tokens, experts, d, 1, bytes_of(d * experts, bits), {input});
    const std::uint64_t topk = b.add(OpKind::router, "topk", tokens, experts, 1, 1, 0, {router});
    // Deterministic even routing: assignment j (of tokens·top_k) goes to expert j mod experts.
    const std::uint64_t assignments = tokens * m.top_k;
    std::vector<std::uint64_t> outputs;
    for (std::uint64_t e = 0; e < experts; ++e) {
        const std::uint64_t rows = assignments / experts + (e < assignments % experts ? 1 : 0);
        if (rows == 0) {
            continue;  // an expert without tokens runs nothing
        }
        outputs.push_back(add_ffn(b, m, bits, rows, topk, ".e" + std::to_string(e)));
    }
    return b.add_many(OpKind::add, "moe_combine", assignments, d, outputs);
}

/// One transformer block; returns the id of its output (res2, always the block's last op).
std::uint64_t add_layer(PassBuilder& b,
                        const ModelShape& m,
                        std::uint32_t bits,
                        const PassDims& p,
                        std::uint64_t input) {
    const std::uint64_t d = m.d_model;
    const std::uint64_t kv_width = std::uint64_t{2} * m.n_kv_heads * m.d_head;
    const std::uint64_t qkv_width = m.attn_width + kv_width;
    const std::uint64_t heads = p.batch * m.n_heads;
    const std::uint64_t t = p.tokens;

    const std::uint64_t ln1 = b.add(norm_kind(m), "ln1", t, d, 1, 1, 0, {input});
    std::uint64_t qkv =
        b.add(OpKind::gemm, "qkv", t, qkv_width, d, 1, bytes_of(d * qkv_width, bits), {ln1});
    if (m.family == Family::llama || m.family == Family::mixtral) {
        const std::uint64_t rotated = std::uint64_t{m.n_heads + m.n_kv_heads} * m.d_head;
        qkv = b.add(OpKind::rope, "rope", t, rotated, 1, 1, 0, {qkv});
    }
    std::uint64_t qk = 0;
    if (m.is_encoder()) {
        qk = b.add(OpKind::bmm, "attn_qk", p.q_len, p.kv_len, m.d_head, heads, 0, {qkv},
                   BmmRole::qk);
    } else {
        const std::uint64_t row_bytes = bytes_of(kv_width, bits);
        const std::uint64_t kv_write =
            b.add(OpKind::kv_write, "kv_write", t, kv_width, 1, 1, t * row_bytes, {qkv});
        if (p.decode) {
            // The cache as it was before this step: every earlier token of each request.
            const std::uint64_t cached = p.batch * (p.kv_len - 1);
            const std::uint64_t kv_read = b.add(OpKind::kv_read, "kv_read", cached, kv_width, 1, 1,
                                                cached * row_bytes, {input});
            qk = b.add(OpKind::bmm, "attn_qk", p.q_len, p.kv_len, m.d_head, heads, 0,
                       {kv_write, kv_read}, BmmRole::qk);
        } else {
            qk = b.add(OpKind::bmm, "attn_qk", p.q_len, p.kv_len, m.d_head, heads, 0, {kv_write},
                       BmmRole::qk);
        }
    }
    const std::uint64_t soft =
        b.add(OpKind::softmax, "softmax", p.q_len, p.kv_len, 1, heads, 0, {qk});
    const std::uint64_t sv =
        b.add(OpKind::bmm, "attn_sv", p.q_len, m.d_head, p.kv_len, heads, 0, {soft}, BmmRole::sv);
    const std::uint64_t proj = b.add(OpKind::gemm, "proj", t, d, m.attn_width, 1,
                                     bytes_of(std::uint64_t{m.attn_width} * d, bits), {sv});
    const std::uint64_t res1 = b.add(OpKind::add, "res1", t, d, 1, 1, 0, {proj, input});
    const std::uint64_t ln2 = b.add(norm_kind(m), "ln2", t, d, 1, 1, 0, {res1});
    const std::uint64_t ffn =
        m.n_experts > 1 ? add_moe(b, m, bits, t, ln2) : add_ffn(b, m, bits, t, ln2, "");
    return b.add(OpKind::add, "res2", t, d, 1, 1, 0, {ffn, res1});
}

}  // namespace

OpGraph::OpGraph(ModelShape model, WorkloadSpec workload)
    : model_(std::move(model)), workload_(workload), next_step_(0), next_id_(0) {
    validate_model_shape(model_);
    validate_workload_spec(model_, workload_);
    build_pass(0, 0, pass_);
    op_count_ = pass_.size();
    if (workload_.decode > 0) {
        std::vector<Op> step;
        build_pass(1, 0, step);
        op_count_ += std::uint64_t{workload_.decode} * step.size();
    }
    next_step_ = 1;
    next_id_ = pass_.size();
}

bool OpGraph::next(Op& op) {
    if (pos_ == pass_.size()) {
        if (model_.is_encoder() || next_step_ > workload_.decode) {
            return false;
        }
        pass_.clear();
        pos_ = 0;
        build_pass(next_step_, next_id_, pass_);
        next_id_ += pass_.size();
        ++next_step_;
    }
    op = pass_[pos_++];
    return true;
}

void OpGraph::build_pass(std::uint32_t step, std::uint64_t first_id, std::vector<Op>& out) const {
    const ModelShape& m = model_;
    const std::uint32_t bits = workload_.bits;
    const std::uint64_t d = m.d_model;
    PassDims p{};
    p.batch = workload_.batch;
    p.decode = step > 0;
    p.q_len = p.decode ? 1 : workload_.prompt;
    p.kv_len = std::uint64_t{workload_.prompt} + step;
    p.tokens = p.batch * p.q_len;
    const Phase phase =
        m.is_encoder() ? Phase::encoder : (p.decode ? Phase::decode : Phase::prefill);
    PassBuilder b(out, first_id, phase, step);

    std::uint64_t x = 0;
    if (m.family == Family::deit) {
        // The reference's patch embedding: 768 → d over the 196 patches of each image.
        const std::uint64_t rows = p.batch * m.patches;
        x = b.add(OpKind::gemm, "embed", rows, d, m.patch_dim, 1, bytes_of(m.patch_dim * d, bits),
                  {});
    } else {
        const std::uint64_t bytes = p.tokens * bytes_of(d, bits);
        if (p.decode) {
            // A decode step embeds the token the previous pass generated.
            x = b.add(OpKind::lookup, "tok_embed", p.tokens, d, 1, 1, bytes, {first_id - 1});
        } else {
            x = b.add(OpKind::lookup, "tok_embed", p.tokens, d, 1, 1, bytes, {});
        }
    }
    for (std::uint32_t l = 0; l < m.layers; ++l) {
        b.set_layer(static_cast<std::int32_t>(l));
        x = add_layer(b, m, bits, p, x);
    }
    b.set_layer(-1);
    switch (m.family) {
        case Family::deit: {
            const std::uint64_t ln = b.add(OpKind::layernorm, "ln_f", p.tokens, d, 1, 1, 0, {x});
            b.add(OpKind::gemm, "head", p.batch, 1000, d, 1, bytes_of(d * 1000, bits), {ln});
            break;
        }
        case Family::bert:
            b.add(OpKind::gemm, "head", p.batch, 2, d, 1, bytes_of(d * 2, bits), {x});
            break;
        default: {
            // Logits of the last position of each request only.
            const std::uint64_t ln = b.add(norm_kind(m), "ln_f", p.batch, d, 1, 1, 0, {x});
            b.add(OpKind::gemm, "lm_head", p.batch, m.vocab, d, 1, bytes_of(d * m.vocab, bits),
                  {ln});
            break;
        }
    }
}

OpGraph build_workload(const ModelShape& model, const WorkloadSpec& workload) {
    return OpGraph(model, workload);
}

std::vector<Op> build_workload_ops(const ModelShape& model, const WorkloadSpec& workload) {
    OpGraph graph(model, workload);
    std::vector<Op> ops;
    ops.reserve(graph.op_count());
    Op op;
    while (graph.next(op)) {
        ops.push_back(op);
    }
    return ops;
}

}  // namespace ltdes::workload
