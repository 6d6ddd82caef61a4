// SPDX-License-Identifier: MIT
#include "ltdes/stats/layer_accumulator.hpp"

namespace ltdes::stats {

void LayerAccumulator::add(const TimelineRow& row) {
    auto [it, inserted] = by_key_.try_emplace(std::tuple(row.phase, row.layer, row.chip));
    LayerStats one;
    one.chip = row.chip;
    one.phase = row.phase;
    one.layer = row.layer;
    one.t_first_ps = row.t_start_ps;
    one.t_last_ps = row.t_end_ps;
    one.busy_ps = row.t_end_ps - row.t_start_ps;
    one.op_count = 1;
    one.energy = row.energy;
    if (inserted) {
        it->second = one;
    } else {
        it->second.merge(one);
    }
}

std::vector<LayerStats> LayerAccumulator::partials() const {
    std::vector<LayerStats> out;
    out.reserve(by_key_.size());
    for (const auto& [key, value] : by_key_) {
        out.push_back(value);
    }
    return out;
}

void LayerAccumulator::reset_to(const std::vector<LayerStats>& partials) {
    by_key_.clear();
    for (const LayerStats& p : partials) {
        by_key_[std::tuple(p.phase, p.layer, p.chip)] = p;
    }
}

}  // namespace ltdes::stats
