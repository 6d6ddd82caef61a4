// SPDX-License-Identifier: MIT
#include "ltdes/stats/layer_stats.hpp"

#include <algorithm>

namespace ltdes::stats {

void LayerStats::merge(const LayerStats& o) {
    if (op_count == 0) {
        t_first_ps = o.t_first_ps;
        t_last_ps = o.t_last_ps;
    } else if (o.op_count != 0) {
        t_first_ps = std::min(t_first_ps, o.t_first_ps);
        t_last_ps = std::max(t_last_ps, o.t_last_ps);
    }
    busy_ps += o.busy_ps;
    op_count += o.op_count;
    energy += o.energy;
}

}  // namespace ltdes::stats
