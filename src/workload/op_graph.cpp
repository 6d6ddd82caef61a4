// SPDX-License-Identifier: MIT
#include "ltdes/workload/op_graph.hpp"

#include "ltdes/workload/layer_builder.hpp"

#include <utility>

namespace ltdes::workload {

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
    const bool decode = step > 0;
    const std::uint64_t batch = workload_.batch;
    const std::uint64_t q_len = decode ? 1 : workload_.prompt;
    const std::uint64_t tokens = batch * q_len;
    // Every request of a pass has one shape: q_len new tokens over the earlier ones cached.
    const AttentionGroup group{q_len, std::uint64_t{workload_.prompt} + step - q_len, batch};
    const Phase phase = m.is_encoder() ? Phase::encoder : (decode ? Phase::decode : Phase::prefill);
    OpSink b(out, first_id, phase, step);

    std::uint64_t x = 0;
    if (m.family == Family::deit) {
        // The reference's patch embedding: 768 → d over the 196 patches of each image.
        const std::uint64_t rows = batch * m.patches;
        x = b.add(OpKind::gemm, "embed", rows, d, m.patch_dim, 1, bytes_of(m.patch_dim * d, bits),
                  {});
    } else {
        const std::uint64_t bytes = tokens * bytes_of(d, bits);
        if (decode) {
            // A decode step embeds the token the previous pass generated.
            x = b.add(OpKind::lookup, "tok_embed", tokens, d, 1, 1, bytes, {first_id - 1});
        } else {
            x = b.add(OpKind::lookup, "tok_embed", tokens, d, 1, 1, bytes, {});
        }
    }
    for (std::uint32_t l = 0; l < m.layers; ++l) {
        b.set_layer(static_cast<std::int32_t>(l));
        x = add_layer(b, m, bits, std::span(&group, 1), x);
    }
    b.set_layer(-1);
    switch (m.family) {
        case Family::deit: {
            const std::uint64_t ln = b.add(OpKind::layernorm, "ln_f", tokens, d, 1, 1, 0, {x});
            b.add(OpKind::gemm, "head", batch, 1000, d, 1, bytes_of(d * 1000, bits), {ln});
            break;
        }
        case Family::bert:
            b.add(OpKind::gemm, "head", batch, 2, d, 1, bytes_of(d * 2, bits), {x});
            break;
        default: {
            // Logits of the last position of each request only.
            const std::uint64_t ln = b.add(norm_kind(m), "ln_f", batch, d, 1, 1, 0, {x});
            b.add(OpKind::gemm, "lm_head", batch, m.vocab, d, 1, bytes_of(d * m.vocab, bits), {ln});
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
