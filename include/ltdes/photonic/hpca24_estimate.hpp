// SPDX-License-Identifier: MIT
#pragma once

#include "ltdes/photonic/cost_model.hpp"
#include "ltdes/workload/model_shape.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ltdes::photonic {

/// One matmul of a reference op row, for `--breakdown` and the latency detail.
struct Hpca24Gemm {
    std::string_view label;  ///< "linear", "Q*K^T" or "S*V" (the reference's names)
    GemmCost cost;           ///< one instance (before the layer multiplier)
};

/// One row of the reference's total.csv.
struct Hpca24Row {
    std::string name;         ///< embed, qkv, attn, proj, FFN1, FFN2, head, others
    std::uint32_t count = 1;  ///< the multiplier applied (12·k for block ops, else 1)
    double energy_mj = 0.0;   ///< multiplied
    double latency_ms = 0.0;  ///< multiplied (for `others`: the reference's seconds value)
    std::vector<Hpca24Gemm> gemms;
};

/// The reference's whole result for one workload.
struct Hpca24Estimate {
    std::vector<Hpca24Row> rows;
    double total_energy_mj = 0.0;  ///< includes the MZI qkv double count (§12 item 1)
    double total_latency_ms = 0.0;
};

/// Reproduces the reference's entry script (docs/model.md, §8, §9) with all its quirks:
/// fixed 196 embed columns for DeiT, heads with 1 column, ×12 (×24 only for the exact name
/// `bert-l`), "others" for one layer at 4 bits with latency in seconds, MZI without attention
/// and with qkv re-added. `model` must be an encoder (deit or bert family; ConfigError
/// otherwise); `tokens` ≥ 1. The cost model should be built with CostOptions{.hpca24 = true}.
Hpca24Estimate estimate_hpca24(const CostModel& model,
                               const workload::ModelShape& shape,
                               std::uint32_t tokens);

/// The reference's "others" row (§9): softmax, LayerNorm, GELU and residual of one layer at 4
/// bits; energy in mJ, latency in the reference's seconds.
struct OthersCost {
    double energy_mj = 0.0;
    double latency = 0.0;
};

OthersCost hpca24_others(std::uint64_t tokens, std::uint64_t embed, std::uint64_t heads);

}  // namespace ltdes::photonic
