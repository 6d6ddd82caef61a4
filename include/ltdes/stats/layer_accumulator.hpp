// SPDX-License-Identifier: MIT
#pragma once

#include "ltdes/stats/layer_stats.hpp"
#include "ltdes/stats/timeline_row.hpp"

#include <cstdint>
#include <map>
#include <tuple>
#include <vector>

namespace ltdes::stats {

/// Builds LayerStats partials (one per chip, phase and layer) from timeline rows. Feed each
/// chip's rows in that chip's emission order (deterministic in the DES). Not thread-safe.
class LayerAccumulator {
public:
    void add(const TimelineRow& row);

    /// The partials, ordered by (phase, layer, chip).
    std::vector<LayerStats> partials() const;

    /// Replaces the aggregates by `partials` (as partials() gave them: a checkpoint).
    void reset_to(const std::vector<LayerStats>& partials);

private:
    std::map<std::tuple<std::uint8_t, std::int32_t, std::uint32_t>, LayerStats> by_key_;
};

}  // namespace ltdes::stats
