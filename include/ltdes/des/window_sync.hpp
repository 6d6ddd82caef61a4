// SPDX-License-Identifier: MIT
#pragma once

#include "ltdes/core/sim_time.hpp"
#include "ltdes/des/transport.hpp"

#include <cstdint>
#include <span>
#include <vector>

namespace ltdes::des {

/// One conservative window [start, end): every event in it is safe to execute, because any
/// event sent to another LP from inside lands at >= start + lookahead >= end.
struct Window {
    SimTime start;
    SimTime end;
    /// True when no event is left before the end time: the run is over.
    bool done = false;
    /// Events executed on all ranks before this window.
    std::uint64_t global_events = 0;
    /// Lowest failing rank, -1 when none.
    std::int32_t failed_rank = -1;
};

/// YAWNS synchronisation: the next window starts at the global minimum pending time (so idle
/// stretches cost one window, whatever their length) and spans one lookahead, clipped to the
/// end time. The agreement rides on the event exchange (Transport::exchange_window).
class WindowSync {
public:
    /// `lookahead` > 0; events at >= `end_time` never run.
    WindowSync(Transport& transport, SimTime lookahead, SimTime end_time)
        : transport_(transport), lookahead_(lookahead), end_time_(end_time) {}

    /// Collective: sends `outbox` (events for other ranks; their events arrive in `inbox`) and
    /// agrees on the next window from each rank's earliest pending event, `local_min`, which
    /// covers the outbox too.
    Window next(std::span<const std::vector<Event>> outbox,
                std::vector<Event>& inbox,
                SimTime local_min,
                std::uint64_t local_events,
                bool failed);

private:
    Transport& transport_;
    SimTime lookahead_;
    SimTime end_time_;
};

}  // namespace ltdes::des
