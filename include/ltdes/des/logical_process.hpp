// SPDX-License-Identifier: MIT
#pragma once

#include "ltdes/des/event.hpp"

namespace ltdes::des {

class Context;

/// A simulated entity with private state. It talks to other LPs only through Context::send and
/// never holds a pointer to another LP, the engine, MPI, TBB or a file. The engine calls an LP
/// from one thread at a time, with its events in order_key() order.
class LogicalProcess {
public:
    virtual ~LogicalProcess() = default;

    /// Called once at time 0 before any event; typically schedules the first events.
    virtual void on_start(Context& /*ctx*/) {}

    /// Called for every event addressed to this LP with time < end time, in event order.
    virtual void on_event(const Event& ev, Context& ctx) = 0;

    /// Called once after the last window. ctx.now() is the time of the last event executed
    /// anywhere (0 if none); sending from here is an error.
    virtual void on_finish(Context& /*ctx*/) {}
};

}  // namespace ltdes::des
