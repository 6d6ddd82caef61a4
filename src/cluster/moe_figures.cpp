// SPDX-License-Identifier: MIT
#include "ltdes/cluster/moe_figures.hpp"

#include "ltdes/cluster/expert_placement.hpp"

#include <algorithm>

namespace ltdes::cluster {

MoeFigures moe_figures(const Plan& plan, std::span<const ChipTotals> chips) {
    MoeFigures f;
    for (std::uint32_t c = 0; c < chips.size(); ++c) {
        f.bytes_sent += chips[c].moe_bytes_sent;
        if (plan.coord(c).tp == 0) {
            // Every tensor rank computes a slice of the same picks: count them once.
            f.expert_rows += chips[c].moe_expert_rows;
            f.picks_dropped += chips[c].moe_picks_dropped;
        }
        if (ep_lane(plan, c) != 0) {
            continue;
        }
        // Chip c is lane 0 of its group: compare the group's lanes.
        std::uint64_t sum = 0;
        std::uint64_t most = 0;
        for (std::uint32_t lane = 0; lane < plan.ep(); ++lane) {
            const std::uint64_t rows = chips[ep_peer(plan, c, lane)].moe_expert_rows;
            sum += rows;
            most = std::max(most, rows);
        }
        if (sum > 0) {
            f.load_imbalance = std::max(
                f.load_imbalance, static_cast<double>(most) * plan.ep() / static_cast<double>(sum));
        }
    }
    return f;
}

}  // namespace ltdes::cluster
