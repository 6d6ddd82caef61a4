// SPDX-License-Identifier: MIT
#include "ltdes/serving/iteration_ops.hpp"

#include "ltdes/core/error.hpp"
#include "ltdes/workload/layer_builder.hpp"

#include <fmt/format.h>

#include <map>
#include <utility>

namespace ltdes::serving {

using workload::AttentionGroup;
using workload::bytes_of;
using workload::OpKind;
using workload::OpSink;

namespace {

/// The batch's attention groups in ascending (tokens, cached) order, its tokens and emitters.
std::vector<AttentionGroup> attention_groups(std::span<const SliceShape> batch,
                                             std::uint64_t& tokens,
                                             std::uint64_t& emitting) {
    std::map<std::pair<std::uint64_t, std::uint64_t>, std::uint64_t> groups;
    tokens = 0;
    emitting = 0;
    for (const SliceShape& s : batch) {
        tokens += s.tokens;
        emitting += s.emits ? 1 : 0;
        ++groups[{s.tokens, s.cached}];
    }
    std::vector<AttentionGroup> shapes;
    shapes.reserve(groups.size());
    for (const auto& [shape, n] : groups) {
        shapes.push_back({shape.first, shape.second, n});
    }
    return shapes;
}

void require_decoder(const workload::ModelShape& m) {
    if (m.is_encoder()) {
        throw ConfigError(fmt::format("{}: serving needs a decoder model", m.name));
    }
}

}  // namespace

IterationOps build_iteration_ops(const workload::ModelShape& m,
                                 std::uint32_t bits,
                                 std::span<const SliceShape> batch) {
    require_decoder(m);
    IterationOps r;
    const std::uint64_t d = m.d_model;
    std::uint64_t tokens = 0;
    std::uint64_t emitting = 0;
    // Requests with the same shape share each attention op; ordered by (tokens, cached).
    const std::vector<AttentionGroup> shapes = attention_groups(batch, tokens, emitting);

    OpSink head(r.head, 0, workload::Phase::decode, 0);
    head.add(OpKind::lookup, "tok_embed", tokens, d, 1, 1, tokens * bytes_of(d, bits), {});

    OpSink b(r.layer, 0, workload::Phase::decode, 0);
    b.set_layer(0);
    workload::add_layer(b, m, bits, shapes, OpSink::kNoInput);

    if (emitting > 0) {
        OpSink tail(r.tail, 0, workload::Phase::decode, 0);
        const std::uint64_t ln = tail.add(workload::norm_kind(m), "ln_f", emitting, d, 1, 1, 0, {});
        tail.add(OpKind::gemm, "lm_head", emitting, m.vocab, d, 1, bytes_of(d * m.vocab, bits),
                 {ln});
    }
    return r;
}

std::vector<workload::Op> build_iteration_graph(const workload::ModelShape& m,
                                                std::uint32_t bits,
                                                std::span<const SliceShape> batch) {
    require_decoder(m);
    std::vector<workload::Op> ops;
    const std::uint64_t d = m.d_model;
    std::uint64_t tokens = 0;
    std::uint64_t emitting = 0;
    const std::vector<AttentionGroup> shapes = attention_groups(batch, tokens, emitting);
    OpSink b(ops, 0, workload::Phase::decode, 0);
    std::uint64_t x =
        b.add(OpKind::lookup, "tok_embed", tokens, d, 1, 1, tokens * bytes_of(d, bits), {});
    for (std::uint32_t l = 0; l < m.layers; ++l) {
        b.set_layer(static_cast<std::int32_t>(l));
        x = workload::add_layer(b, m, bits, shapes, x);
    }
    b.set_layer(-1);
    if (emitting > 0) {
        const std::uint64_t ln = b.add(workload::norm_kind(m), "ln_f", emitting, d, 1, 1, 0, {x});
        b.add(OpKind::gemm, "lm_head", emitting, m.vocab, d, 1, bytes_of(d * m.vocab, bits), {ln});
    }
    return ops;
}

}  // namespace ltdes::serving
