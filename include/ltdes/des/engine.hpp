// SPDX-License-Identifier: MIT
#pragma once

#include "ltdes/core/ids.hpp"
#include "ltdes/core/sim_time.hpp"
#include "ltdes/des/context.hpp"
#include "ltdes/des/event.hpp"
#include "ltdes/des/event_queue.hpp"
#include "ltdes/des/fingerprint.hpp"
#include "ltdes/des/logical_process.hpp"
#include "ltdes/des/partitioner.hpp"
#include "ltdes/des/simulation.hpp"
#include "ltdes/des/snapshot.hpp"

#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <span>
#include <utility>
#include <vector>

namespace ltdes::des {

/// The LPs of one rank, split into shards (contiguous runs of local LPs, each with one event
/// queue), and the worker threads that run the shards of a window in parallel. Simulation
/// drives it; the phases below are called in this order each window:
/// route() → [transport round] → deliver() → clear_outbox() → next_event_time() →
/// execute_window() → route() → deliver({}) → … (local windows until the round's bound).
/// Exceptions thrown by LPs are caught and kept (failed()), so the collective schedule of the
/// ranks is never broken by one rank's error.
class Engine {
public:
    /// Builds the LPs `partitioner` assigns to `rank`, in increasing id order.
    Engine(const SimulationSpec& spec,
           RankId rank,
           int ranks,
           const Partitioner& partitioner,
           std::uint32_t lp_count,
           const LpFactory& factory);
    ~Engine();
    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;

    /// Runs on_start of every local LP at time 0.
    void start();

    /// Executes, shard by shard in parallel, every pending event with time < window_end, except
    /// that events at or after `hold` for an exposed LP (set_exposed()) are set aside until
    /// release_held().
    void execute_window(SimTime window_end, SimTime hold = SimTime::max());

    /// Puts the events set aside by execute_window() back into their queues, those before
    /// `below` only: the others would only be set aside again, each in a window of its own,
    /// at every round until the hold passes them.
    void release_held(SimTime below = SimTime::max());

    /// False for a local LP that only LPs of this rank may send to (set_exposed()): an event
    /// for it from another rank breaks the delay graph.
    bool hears_other_ranks(LpId lp) const;

    /// Marks, by local index, the LPs that may receive events from other ranks (the model's
    /// delay graph says who sends to whom); the others ("sheltered") hear only local LPs.
    /// Default: every LP is exposed.
    void set_exposed(std::vector<char> exposed);

    /// How far the sheltered LPs may run while the exposed ones stop at `hold` (the round's
    /// bound): the earliest output of the exposed LPs plus the lookahead, when every exposed LP
    /// bounds its output without regard to its input (a router dispatching at trace arrivals:
    /// nothing another rank sends makes it send sooner); else `hold`, and nothing is held.
    /// Between windows only.
    SimTime sheltered_bound(SimTime hold);

    /// Moves the sends of the last phase to their shards (local) or to the per-rank outboxes.
    void route();

    /// Earliest event in the per-rank outboxes (SimTime::max() when none).
    SimTime outgoing_min() const { return outgoing_min_; }

    /// Per-rank outboxes filled by route() (the entry of this rank is empty).
    std::span<const std::vector<Event>> rank_outbox() const { return rank_out_; }

    /// Earliest event in the outbox for rank r (SimTime::max() when empty).
    SimTime outgoing_min(std::int32_t r) const {
        return rank_out_min_[static_cast<std::size_t>(r)];
    }

    /// Empties the rank outboxes (after the transport sent them).
    void clear_outbox();

    /// Queues events received from other ranks and those routed between local shards.
    void deliver(std::vector<Event>& received);

    /// Rank of every LP, indexed by LP id.
    const std::vector<std::int32_t>& owners() const { return owner_; }

    /// Smallest delay allowed for a send to each rank (SimTime::max(): none allowed); a remote
    /// send below it is a model bug (InternalError). Default: the lookahead to every rank.
    void set_remote_delays(std::vector<SimTime> delays) { remote_delay_ = std::move(delays); }

    /// Earliest pending local event (set aside or not), SimTime::max() when none.
    SimTime next_event_time() const;

    /// Earliest pending local event that execute_window() would run, the ones set aside left
    /// out (they wait for release_held()).
    SimTime next_runnable_time() const;

    /// Earliest pending event of each local LP (local index order; SimTime::max(): none), into
    /// `out`. O(pending events).
    void next_event_times(std::vector<SimTime>& out) const;

    /// True when every local LP bounds its output (output_bound() uses earliest_output()).
    bool lps_bound_output() const { return lps_bound_output_; }

    /// A lower bound on the time of every send from a local LP to another LP from now on, as
    /// long as no event from another rank arrives: the smallest earliest_output() of the local
    /// LPs (each given its earliest pending event from another LP) when every local LP bounds
    /// its output, else next_event_time(). Until the next call, a send to another rank earlier
    /// than this bound (or than an event deliver()ed since) is a model bug (InternalError). An
    /// exception of an LP counts as its shard's failure (the bound is then next_event_time()).
    SimTime output_bound();

    /// Runs on_finish of every local LP with now() = `now`.
    void finish(SimTime now);

    /// Events executed on this rank.
    std::uint64_t events_executed() const;

    /// This rank's part of the fingerprint (see LpFingerprint).
    std::uint64_t fingerprint() const;

    /// Time of the last event executed on this rank (0 if none).
    SimTime last_event_time() const;

    /// True when an LP threw; failure() is then the exception of the lowest shard.
    bool failed() const;

    std::exception_ptr failure() const;

    /// Number of local LPs.
    std::uint32_t local_lp_count() const { return static_cast<std::uint32_t>(lps_.size()); }

    /// Visits the local LPs in increasing id order.
    void for_each_lp(const std::function<void(LpId, LogicalProcess&)>& visit);

    /// Counters of a local LP; throws InternalError for an LP of another rank.
    const LpStats& lp_stats(LpId lp) const;

    /// Checkpoints: this rank's LPs with their pending events, in id order. Only between rounds,
    /// after the exchange: nothing may be in flight (InternalError otherwise).
    std::vector<LpSnapshot> capture() const;

    /// Restart: gives this rank's LPs (exactly those it owns) their saved state and events
    /// (before start(), which then skips on_start). `last_event`: the run's last event so far.
    void restore(std::vector<LpSnapshot> lps, SimTime last_event);

    /// Number of shards (speed only; results never depend on it).
    std::uint32_t shard_count() const { return static_cast<std::uint32_t>(shards_.size()); }

private:
    struct LpSlot {
        std::unique_ptr<LogicalProcess> lp;
        LpId id{};
        std::uint64_t next_seq = 0;
        LpStats stats;
        LpFingerprint fingerprint;
    };

    class ShardContext;

    struct Shard {
        std::uint32_t first_lp = 0;  // local index range [first_lp, end_lp)
        std::uint32_t end_lp = 0;
        EventQueue queue;
        std::vector<Event> local_out;        // to other shards of this rank
        std::vector<Event> remote_out;       // to other ranks
        std::vector<Event> inbox;            // routed here, not yet queued
        std::vector<Event> held;             // of exposed LPs, at or after the hold
        SimTime held_min = SimTime::max();   // earliest event in held
        SimTime inbox_min = SimTime::max();  // earliest event in inbox
        std::uint64_t events = 0;
        SimTime last_time;
        std::exception_ptr error;
        std::unique_ptr<ShardContext> ctx;
    };

    class Workers;

    void post(Shard& shard, LpSlot& slot, Event& ev);
    [[gnu::noinline]] void post_remote(Shard& shard, const Event& ev);
    void run_shard(Shard& shard, SimTime window_end, SimTime hold);
    // Executes the shard's events before window_end. Holding: sets aside those of exposed LPs
    // at or after hold, and checks that no LP gets an event behind its clock.
    template <bool Holding>
    void drain(Shard& shard, SimTime window_end, SimTime hold);
    void for_shards(std::span<Shard* const> shards, const std::function<void(Shard&)>& body);

    Shard& shard_of_local(std::uint32_t local_index) {
        // Every send asks: a shift instead of a division when the shard size allows.
        return shards_[shard_shift_ >= 0 ? local_index >> shard_shift_
                                         : local_index / lps_per_shard_];
    }

    SimulationSpec spec_;
    RankId rank_;
    std::uint32_t lp_count_ = 0;
    std::uint32_t lps_per_shard_ = 1;
    int shard_shift_ = -1;             // log2(lps_per_shard_) when it is a power of two, else -1
    std::vector<std::int32_t> owner_;  // global LP -> rank
    std::vector<std::uint32_t> local_index_;  // global LP -> local index (or kNotLocal)
    std::vector<LpSlot> lps_;
    std::vector<Shard> shards_;
    std::vector<Shard*> active_;
    std::vector<std::vector<Event>> rank_out_;
    std::vector<SimTime> rank_out_min_;
    std::vector<SimTime> remote_delay_;
    SimTime outgoing_min_ = SimTime::max();
    bool lps_bound_output_ = false;    // every local LP implements earliest_output()
    std::vector<char> outside_bound_;  // by local LP: left out of output_bound() (sole_target())
    std::vector<char> exposed_;        // by local LP: may hear other ranks (empty: all)
    bool any_sheltered_ = false;       // some entry of exposed_ is 0
    SimTime window_hold_ = SimTime::max();  // execute_window()'s hold, for the shards
    bool checking_ = false;                 // some window held LPs: drain<true> from then on
    std::vector<SimTime> lp_clock_;         // by local LP: its last event, kept by drain<true>
    SimTime promised_output_;               // the last output_bound(), checked on remote sends
    std::vector<SimTime> input_from_;       // output_bound(): per LP of a shard
    std::exception_ptr build_error_;
    std::unique_ptr<Workers> workers_;
    bool restored_ = false;  // restore() ran: start() skips on_start
};

}  // namespace ltdes::des
