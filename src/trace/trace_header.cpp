// SPDX-License-Identifier: MIT
#include "ltdes/trace/trace_header.hpp"

#include <fmt/format.h>

#include <cstddef>

namespace ltdes::trace {

std::string format_model_line(const workload::ModelShape& m) {
    using workload::kActKindNames;
    using workload::kFamilyNames;
    using workload::kNormKindNames;
    return fmt::format(
        "model name={} family={} layers={} d_model={} n_heads={} n_kv_heads={} d_head={} "
        "attn_width={} d_ff={} gated_ffn={} experts={} top_k={} vocab={} max_context={} norm={} "
        "act={} tied_embeddings={} patches={} patch_dim={}",
        m.name, kFamilyNames[static_cast<std::size_t>(m.family)], m.layers, m.d_model, m.n_heads,
        m.n_kv_heads, m.d_head, m.attn_width, m.d_ff, m.gated_ffn ? 1 : 0, m.n_experts, m.top_k,
        m.vocab, m.max_context, kNormKindNames[static_cast<std::size_t>(m.norm)],
        kActKindNames[static_cast<std::size_t>(m.act)], m.tied_embeddings ? 1 : 0, m.patches,
        m.patch_dim);
}

std::string format_workload_line(const workload::WorkloadSpec& w) {
    return fmt::format("workload batch={} prompt={} decode={} bits={}", w.batch, w.prompt, w.decode,
                       w.bits);
}

std::string format_requests_line(std::uint32_t bits) {
    return fmt::format("requests bits={}", bits);
}

}  // namespace ltdes::trace
