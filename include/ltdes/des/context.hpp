// SPDX-License-Identifier: MIT
#pragma once

#include "ltdes/core/assert.hpp"
#include "ltdes/core/ids.hpp"
#include "ltdes/core/sim_time.hpp"
#include "ltdes/des/event.hpp"

#include <cstdint>

namespace ltdes::des {

/// Counters the engine keeps for every LP (read-only to the model).
struct LpStats {
    /// Events executed by this LP so far.
    std::uint64_t events_executed = 0;
    /// Events this LP has sent so far (self-sends included, events past the end time too).
    std::uint64_t events_sent = 0;
};

/// What an LP sees of the simulation while it handles an event: the clock, its own id and a
/// way to send. Not thread-safe: the engine gives each worker its own Context. Tests derive a
/// recording fake from it (only post() is virtual).
class Context {
public:
    virtual ~Context() = default;
    Context(const Context&) = delete;
    Context& operator=(const Context&) = delete;

    /// Simulated time of the event being handled (0 in on_start), in ps.
    SimTime now() const { return now_; }

    /// The LP being run.
    LpId self() const { return self_; }

    /// Number of LPs in the whole simulation (ids 0 .. lp_count() - 1).
    std::uint32_t lp_count() const { return lp_count_; }

    /// The smallest delay allowed between different LPs, in ps.
    SimTime lookahead() const { return lookahead_; }

    /// Schedules `msg` at `dst` at now() + delay. A send to another LP needs
    /// delay >= lookahead(); a self-send any delay >= 0. Violations throw InternalError naming
    /// both LPs (a model bug). Events at or past the end time are counted and dropped. A time
    /// past SimTime::max() (2^63 ps, about 106.75 days) throws ltdes::Error: absurd but
    /// in-range inputs (a trace's arrivals, op sizes, clocks) got there, not a bug.
    template <Payload T>
    void send(LpId dst, SimTime delay, const T& msg) {
        check_send(dst, delay);
        std::int64_t time_ps = 0;
        if (__builtin_add_overflow(now_.in_ps(), delay.in_ps(), &time_ps)) [[unlikely]] {
            time_overflow(dst, delay);  // one add-and-jump: this runs for every event
        }
        Event ev;
        ev.time = SimTime::from_ps(time_ps);
        ev.dst = dst;
        ev.src = self_;
        ev.set_payload(msg);
        post(ev);
    }

    /// Counters of the LP being run.
    const LpStats& stats() const { return *stats_; }

protected:
    Context(SimTime lookahead, std::uint32_t lp_count)
        : lookahead_(lookahead), lp_count_(lp_count) {}

    /// Hands a checked event (time, dst, src, kind, payload set; seq not yet) to the engine.
    virtual void post(Event& ev) = 0;

    /// Points the context at the LP about to run.
    void bind(LpId self, SimTime now, LpStats* stats) {
        self_ = self;
        now_ = now;
        stats_ = stats;
    }

    void set_now(SimTime now) { now_ = now; }

    LpStats* current_stats() const { return stats_; }

private:
    [[noreturn]] void time_overflow(LpId dst, SimTime delay) const;

    void check_send(LpId dst, SimTime delay) const {
        LTDES_ASSERT(to_underlying(dst) < lp_count_, "LP {} -> {}: no such LP ({} LPs)", self_, dst,
                     lp_count_);
        LTDES_ASSERT(delay >= SimTime::zero(), "LP {} -> {}: negative delay {} ps", self_, dst,
                     delay.in_ps());
        LTDES_ASSERT(dst == self_ || delay >= lookahead_,
                     "LP {} -> {}: delay {} ps < lookahead {} ps", self_, dst, delay.in_ps(),
                     lookahead_.in_ps());
    }

    SimTime now_;
    LpId self_{};
    LpStats* stats_ = nullptr;
    SimTime lookahead_;
    std::uint32_t lp_count_ = 0;
};

}  // namespace ltdes::des
