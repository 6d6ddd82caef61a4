// SPDX-License-Identifier: MIT
#include "ltdes/des/window_sync.hpp"

#include <algorithm>

namespace ltdes::des {

Window WindowSync::next(std::span<const std::vector<Event>> outbox,
                        std::vector<Event>& inbox,
                        SimTime local_min,
                        std::uint64_t local_events,
                        bool failed) {
    const WindowReduction r =
        transport_.exchange_window(outbox, inbox, local_min, local_events, failed);
    Window w;
    w.start = r.min_time;
    w.global_events = r.events;
    w.failed_rank = r.failed_rank;
    w.done = r.min_time >= end_time_;
    // Saturate instead of overflowing near SimTime::max().
    const SimTime room = SimTime::max() - r.min_time;
    w.end = room <= lookahead_ ? SimTime::max() : r.min_time + lookahead_;
    w.end = std::min(w.end, end_time_);
    return w;
}

}  // namespace ltdes::des
