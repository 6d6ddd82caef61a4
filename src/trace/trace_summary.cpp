// SPDX-License-Identifier: MIT
#include "ltdes/trace/trace_summary.hpp"

#include "ltdes/trace/trace_reader.hpp"
#include "ltdes/workload/model_shape.hpp"

#include <fmt/format.h>

#include <cstddef>

namespace ltdes::trace {

void TraceSummary::add(const workload::Op& op) {
    ++ops;
    ++ops_by_kind[static_cast<std::size_t>(op.kind)];
    macs += op.macs();
    switch (op.kind) {
        case workload::OpKind::gemm:
            weight_bytes += op.bytes;
            break;
        case workload::OpKind::kv_write:
            kv_write_bytes += op.bytes;
            break;
        case workload::OpKind::kv_read:
            kv_read_bytes += op.bytes;
            break;
        case workload::OpKind::lookup:
            lookup_bytes += op.bytes;
            break;
        default:
            break;
    }
}

TraceSummary summarize_trace(const std::filesystem::path& path) {
    TraceReader reader(path);
    TraceSummary s;
    s.header = reader.header();
    workload::Op op;
    while (reader.next(op)) {
        s.add(op);
    }
    return s;
}

std::string format_summary(const TraceSummary& s, const std::string& path) {
    const workload::ModelShape& m = s.header.model;
    const workload::WorkloadSpec& w = s.header.workload;
    std::string out;
    auto it = std::back_inserter(out);
    fmt::format_to(it, "trace: {} (lt-trace {})\n", path, s.header.version);
    fmt::format_to(it,
                   "model: {} ({}, {} layers, d_model {}, heads {}/{} x {}, d_ff {}{}, vocab {}, "
                   "context {})\n",
                   m.name, workload::kFamilyNames[static_cast<std::size_t>(m.family)], m.layers,
                   m.d_model, m.n_heads, m.n_kv_heads, m.d_head, m.d_ff,
                   m.n_experts > 1 ? fmt::format(" x {} experts top-{}", m.n_experts, m.top_k)
                                   : std::string(m.gated_ffn ? " gated" : ""),
                   m.vocab, m.max_context);
    fmt::format_to(it, "weights: {} parameters, {} bytes at {} bits\n",
                   workload::parameter_count(m), (workload::parameter_count(m) * w.bits + 7) / 8,
                   w.bits);
    if (m.is_encoder()) {
        fmt::format_to(it, "workload: batch {}, {} tokens, bits {}\n", w.batch, w.prompt, w.bits);
    } else {
        fmt::format_to(it, "workload: batch {}, prompt {}, decode {}, bits {}\n", w.batch, w.prompt,
                       w.decode, w.bits);
    }
    fmt::format_to(it, "ops: {}\n", s.ops);
    for (std::size_t k = 0; k < s.ops_by_kind.size(); ++k) {
        if (s.ops_by_kind[k] > 0) {
            fmt::format_to(it, "  {:<9} {}\n", workload::kOpKindNames[k], s.ops_by_kind[k]);
        }
    }
    fmt::format_to(it, "macs: {}\n", s.macs);
    fmt::format_to(it, "weight_bytes_read: {}\n", s.weight_bytes);
    fmt::format_to(it, "kv_write_bytes: {}\n", s.kv_write_bytes);
    fmt::format_to(it, "kv_read_bytes: {}\n", s.kv_read_bytes);
    fmt::format_to(it, "embedding_bytes: {}\n", s.lookup_bytes);
    return out;
}

}  // namespace ltdes::trace
