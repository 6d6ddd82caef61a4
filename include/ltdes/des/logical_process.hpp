// SPDX-License-Identifier: MIT
#pragma once

#include "ltdes/core/error.hpp"
#include "ltdes/core/sim_time.hpp"
#include "ltdes/des/event.hpp"
#include "ltdes/des/state_bytes.hpp"

#include <optional>

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

    /// True when this LP implements earliest_output(). The engine asks once, after on_start;
    /// only when every LP of a rank says yes does the rank use their bounds (otherwise its
    /// earliest pending event bounds its sends, which is always true).
    virtual bool bounds_output() const { return false; }

    /// A lower bound, in ps, on the time at which this LP next sends an event to another LP
    /// (self-sends do not count), or more exactly on that event's time minus the send's
    /// smallest allowed delay (an LP may send ahead of its clock), given its state and its own
    /// pending self-events and given
    /// that the earliest event it will still receive from another LP is at `input_from`
    /// (SimTime::max(): none). An LP that reacts to inputs returns at most `input_from`; one
    /// whose sends never depend on inputs (a router that dispatches only at trace arrivals) may
    /// return more. SimTime::max(): never. Called between windows, never concurrently with
    /// on_event; it may update caches but must not change what the LP does. A send earlier
    /// than the bound given is reported as a model bug (InternalError). Speed only: the ranks
    /// wait for each other less, results are the same.
    virtual SimTime earliest_output(SimTime /*input_from*/) { return SimTime::zero(); }

    /// True when earliest_output() never depends on `input_from` (what this LP receives cannot
    /// make it send sooner). Asked once, after on_start.
    virtual bool output_ignores_input() const { return false; }

    /// The one LP this LP ever sends to besides itself, or std::nullopt (any). When that LP is
    /// on the same rank and its output ignores its input, nothing this LP sends can make the
    /// rank send sooner, so the rank leaves this LP out of its output bound (a replica whose
    /// completion notices go only to a router on the same rank). Asked once, after on_start.
    virtual std::optional<LpId> sole_target() const { return std::nullopt; }

    /// Called once after the last window. ctx.now() is the time of the last event executed
    /// anywhere (0 if none); sending from here is an error.
    virtual void on_finish(Context& /*ctx*/) {}

    /// Checkpoints: appends every field that changes while the run goes on (what the factory
    /// builds from the inputs is not saved; it is rebuilt). Called between windows.
    virtual void save(StateWriter& /*out*/) const {
        throw InternalError("this LP type cannot be checkpointed (no save())");
    }

    /// Restores what save() wrote onto an LP fresh from the factory (on_start is then not
    /// called). Range-checks every field against the LP's own inputs (SnapshotError).
    virtual void restore(StateReader& /*in*/) {
        throw InternalError("this LP type cannot be restarted (no restore())");
    }
};

}  // namespace ltdes::des
