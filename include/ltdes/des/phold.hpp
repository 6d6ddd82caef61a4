// SPDX-License-Identifier: MIT
#pragma once

#include "ltdes/core/ids.hpp"
#include "ltdes/core/sim_time.hpp"
#include "ltdes/des/context.hpp"
#include "ltdes/des/logical_process.hpp"

#include <cstdint>

namespace ltdes::des {

/// std::llround(x) for PHOLD's delays in ps (x >= 0), without the libm call on every event; other
/// values go to std::llround.
std::int64_t round_half_up(double x);

/// Parameters of the PHOLD benchmark, in the units of `lt-des bench phold` (docs/commands.md):
/// times in abstract units, 1 unit = 1 µs = 1e6 ps.
struct PholdSpec {
    /// Number of LPs (>= 1).
    std::uint32_t lps = 0;
    /// Events each LP schedules for itself at start (>= 0).
    std::uint32_t start_events = 0;
    /// Probability in [0, 1] that an event goes to a uniformly drawn LP (itself included).
    double remote = 0.0;
    /// Minimum delay of every event, in units (> 0).
    double lookahead_units = 1.0;
    /// Mean of the exponential part of every delay, in units (>= 0; 0: delay = lookahead).
    double mean_units = 0.0;
    /// Events at time >= end are not executed, in units (> 0).
    double end_units = 1.0;
    /// Seed of the per-LP random streams.
    std::uint64_t seed = 1;

    /// Throws UsageError naming the flag (--lps, --remote, …) when a value is out of range.
    void validate() const;

    SimTime lookahead() const;

    SimTime end_time() const;

    /// `units` converted to ps, rounded to nearest.
    static SimTime to_time(double units);
};

/// The PHOLD payload (it carries nothing; the kind tags it).
struct PholdMessage {
    static constexpr std::uint16_t kKind = 1;
    std::uint64_t unused = 0;
};

/// Counter-based per-LP random stream: SplitMix64 from a start point hashed from (seed, lp),
/// so an LP draws the same numbers whatever rank or thread runs it.
class LpRandom {
public:
    LpRandom(std::uint64_t seed, LpId lp);

    /// Next 64 random bits.
    std::uint64_t next_u64();

    /// Uniform in (0, 1] (53 bits).
    double next_unit();

    /// The stream's position (checkpoints).
    std::uint64_t state() const { return state_; }

    void set_state(std::uint64_t state) { state_ = state; }

private:
    std::uint64_t state_;
};

/// One PHOLD LP: on each event it draws a destination (uniform over all LPs with probability
/// `remote`, else itself) and a delay lookahead + Exp(mean) rounded to ps, and sends one event.
class PholdLp final : public LogicalProcess {
public:
    PholdLp(const PholdSpec& spec, LpId id);

    void on_start(Context& ctx) override;

    void on_event(const Event& ev, Context& ctx) override;

    void save(StateWriter& out) const override;

    void restore(StateReader& in) override;

    /// Events this LP received.
    std::uint64_t received() const { return received_; }

    /// Events this LP sent to another LP.
    std::uint64_t sent_remote() const { return sent_remote_; }

    /// Wrapping sum of the receive times in ps (a cheap digest of the LP's history).
    std::uint64_t time_digest() const { return time_digest_; }

private:
    SimTime draw_delay();
    void send_one(Context& ctx);

    LpRandom random_;
    SimTime lookahead_;
    double mean_ps_;
    double remote_;
    std::uint32_t lps_;
    std::uint32_t start_events_;
    std::uint64_t received_ = 0;
    std::uint64_t sent_remote_ = 0;
    std::uint64_t time_digest_ = 0;
};

}  // namespace ltdes::des
