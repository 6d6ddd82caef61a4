// SPDX-License-Identifier: MIT
// Whole-run expert-parallel figures from the gathered chip totals (docs/output.md, /summary
// moe_* and /moe).
#pragma once

#include "ltdes/cluster/chip_model.hpp"
#include "ltdes/cluster/plan.hpp"

#include <cstdint>
#include <span>

namespace ltdes::cluster {

struct MoeFigures {
    std::uint64_t expert_rows = 0;    ///< token picks computed by experts (tensor rank 0s)
    std::uint64_t picks_dropped = 0;  ///< picks over capacity (tensor rank 0s)
    std::uint64_t bytes_sent = 0;     ///< dispatch + combine bytes, all chips
    /// The worst expert group (ep chips of one stage): max / mean of its chips' expert rows
    /// (1 = perfectly balanced; 1 when a group computed nothing).
    double load_imbalance = 1.0;
};

/// The figures of a run of `plan` (ep > 1) from every chip's totals, by chip id.
MoeFigures moe_figures(const Plan& plan, std::span<const ChipTotals> chips);

}  // namespace ltdes::cluster
