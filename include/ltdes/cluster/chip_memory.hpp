// SPDX-License-Identifier: MIT
// What a chip must keep in its DRAM: its weights and the KV cache of its requests.
#pragma once

#include "ltdes/cluster/plan.hpp"

#include <cstdint>

namespace ltdes::cluster {

/// DRAM footprint of one chip at the arch precision. Counts the weight matrices (attention,
/// FFN, MoE router and experts, embeddings on the first stage, LM head on the last) and the KV
/// cache at the final context (prompt + generated tokens) for the replica's requests; ignores
/// norms, biases and encoder classifier heads (< 0.1 % of any shipped model).
struct ChipMemory {
    std::uint64_t weight_bytes = 0;
    std::uint64_t kv_cache_bytes = 0;
    std::uint64_t capacity_bytes = 0;

    std::uint64_t total_bytes() const { return weight_bytes + kv_cache_bytes; }

    bool fits() const { return total_bytes() <= capacity_bytes; }
};

/// The footprint of `chip` when every value is stored with `bits` bits (the arch's precision)
/// and the chip has `capacity_gib` GiB of DRAM.
ChipMemory chip_memory(const Plan& plan,
                       std::uint32_t chip,
                       std::uint32_t bits,
                       double capacity_gib);

}  // namespace ltdes::cluster
