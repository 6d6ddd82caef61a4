// SPDX-License-Identifier: MIT
#include "ltdes/cluster/chip_memory.hpp"

#include <cmath>

namespace ltdes::cluster {

namespace {

using workload::Family;

/// Models with a learned position table (RoPE models have none).
bool learned_positions(const workload::ModelShape& m) {
    return m.family == Family::gpt2 || m.family == Family::gpt3 || m.family == Family::bert ||
           m.family == Family::deit;
}

}  // namespace

ChipMemory chip_memory(const Plan& plan,
                       std::uint32_t chip,
                       std::uint32_t bits,
                       double capacity_gib) {
    const auto& m = plan.model();
    const auto& w = plan.workload();
    const ChipCoord c = plan.coord(chip);
    const std::uint64_t d = m.d_model;
    const std::uint64_t d_head = m.d_head;
    const std::uint64_t heads = plan.heads(c.tp).count;
    const std::uint64_t kv = plan.kv_heads(c.tp).count;
    const std::uint64_t cols = plan.ffn_columns(c.tp).count;
    const std::uint64_t all_experts = m.n_experts == 0 ? 1 : m.n_experts;
    // Expert parallelism: a chip holds its lane's experts only (docs/cluster.md).
    const std::uint64_t experts = all_experts / plan.ep();
    const std::uint64_t layers = plan.layers(c.pp).count;

    std::uint64_t per_layer = d * (heads + 2 * kv) * d_head  // qkv
                              + heads * d_head * d           // attention output
                              + (m.gated_ffn ? 3U : 2U) * d * cols * experts;
    if (all_experts > 1) {
        per_layer += d * all_experts;  // router
    }
    std::uint64_t weights = layers * per_layer;
    const bool first = c.pp == 0;
    const bool last = c.pp + 1 == plan.pp();
    if (first) {
        weights +=
            m.family == Family::deit ? std::uint64_t{m.patch_dim} * d : std::uint64_t{m.vocab} * d;
        if (learned_positions(m)) {
            weights += std::uint64_t{m.max_context} * d;
        }
    }
    const bool shares_embedding = m.tied_embeddings && first && plan.tp() == 1;
    if (last && !m.is_encoder() && !shares_embedding) {
        weights += std::uint64_t{plan.vocab_columns(c.tp).count} * d;
    }

    std::uint64_t kv_elements = 0;
    if (!m.is_encoder()) {
        const std::uint64_t context = std::uint64_t{w.prompt} + w.decode;
        kv_elements = layers * 2 * kv * d_head * plan.requests(c.dp).count * context;
    }
    const auto bytes = [bits](std::uint64_t elements) { return (elements * bits + 7) / 8; };
    ChipMemory r;
    r.weight_bytes = bytes(weights);
    r.kv_cache_bytes = bytes(kv_elements);
    r.capacity_bytes = static_cast<std::uint64_t>(std::floor(capacity_gib * 1073741824.0));
    return r;
}

}  // namespace ltdes::cluster
