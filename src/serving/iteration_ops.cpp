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

    OpSink head(r.head, 0, workload::Phase::decode, 0);
    head.add(OpKind::lookup, "tok_embed", tokens, d, 1, 1, tokens * bytes_of(d, bits), {});

    std::vector<AttentionGroup> shapes;
    shapes.reserve(groups.size());
    for (const auto& [shape, n] : groups) {
        shapes.push_back({shape.first, shape.second, n});
    }
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

}  // namespace ltdes::serving
