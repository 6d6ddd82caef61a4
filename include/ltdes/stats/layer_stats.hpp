// SPDX-License-Identifier: MIT
#pragma once

#include "ltdes/core/energy.hpp"

#include <cstdint>

namespace ltdes::stats {

/// Per-layer aggregate of one phase on one chip (decode steps summed). The writer reduces the
/// partials of all chips in (phase, layer, chip) order, so the file does not depend on which
/// rank owned which chip. Energy sums inside one chip must follow that chip's (deterministic)
/// event order — LayerAccumulator does this when fed in emission order.
struct LayerStats {
    std::uint32_t chip = 0;
    std::uint8_t phase = 0;       ///< workload::Phase value
    std::int32_t layer = -1;      ///< -1 = ops outside transformer blocks (embedding, head)
    std::int64_t t_first_ps = 0;  ///< earliest start of an op of this layer, ps
    std::int64_t t_last_ps = 0;   ///< latest end, ps
    std::int64_t busy_ps = 0;     ///< sum of row durations, ps (overlapping rows count twice)
    std::uint64_t op_count = 0;   ///< rows merged
    EnergyPj energy;              ///< pJ

    /// Merges `o` (same phase and layer) into this aggregate.
    void merge(const LayerStats& o);
};

}  // namespace ltdes::stats
