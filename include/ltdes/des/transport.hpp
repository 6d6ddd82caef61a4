// SPDX-License-Identifier: MIT
#pragma once

#include "ltdes/core/ids.hpp"
#include "ltdes/core/sim_time.hpp"
#include "ltdes/des/event.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ltdes::des {

/// The result of the one collective that opens every window.
struct WindowReduction {
    /// Minimum over ranks of the earliest pending event (SimTime::max() when none), in ps.
    SimTime min_time = SimTime::max();
    /// Sum over ranks of the events executed so far.
    std::uint64_t events = 0;
    /// Lowest rank that reported a failure, or -1 when none did.
    std::int32_t failed_rank = -1;
};

/// The result of Transport::round on one rank.
struct RoundResult {
    /// No event from another rank can reach this rank before this time (SimTime::max(): none
    /// ever will), in ps. Differs between ranks.
    SimTime bound = SimTime::max();
    /// Minimum over ranks of the earliest pending or in-transit event, in ps.
    SimTime min_time = SimTime::max();
    /// Sum over ranks of the events executed so far.
    std::uint64_t events = 0;
    /// Lowest rank that reported a failure, or -1 when none did.
    std::int32_t failed_rank = -1;
};

/// How the ranks of one simulation talk. Every method except rank() and size() is collective:
/// all ranks call it in the same order. The interface lives in des so that Simulation can use
/// it; the MPI implementation lives in dist (MpiTransport), the in-process one too
/// (LoopbackTransport, for MPI-free tests).
class Transport {
public:
    virtual ~Transport() = default;

    /// This rank (0 .. size() - 1).
    virtual RankId rank() const = 0;

    /// Number of ranks.
    virtual int size() const = 0;

    /// Collective. outbox[r] goes to rank r (outbox.size() == size(), outbox[rank()] is empty);
    /// the events addressed to this rank replace the contents of `inbox`, grouped by source
    /// rank in rank order, each group in the sender's order.
    virtual void exchange(std::span<const std::vector<Event>> outbox,
                          std::vector<Event>& inbox) = 0;

    /// Collective: min of `local_min`, sum of `local_events`, lowest rank with `failed` set.
    virtual WindowReduction reduce_window(SimTime local_min,
                                          std::uint64_t local_events,
                                          bool failed) = 0;

    /// Collective: one synchronisation round. `bound_to[r]` (one entry per rank) is this
    /// rank's lower bound on the time of any event it can still cause at rank r; `outbox` and
    /// `inbox` are as in exchange() (only ranks with events to send talk to each other);
    /// `local_min` is this rank's earliest pending or outgoing event. Returns, on this rank, the
    /// minimum of bound_to[this rank] over all ranks and the global reductions.
    virtual RoundResult round(std::span<const SimTime> bound_to,
                              std::span<const std::vector<Event>> outbox,
                              std::vector<Event>& inbox,
                              SimTime local_min,
                              std::uint64_t local_events,
                              bool failed) = 0;

    /// Collective, round() in two halves, so that a rank can run events while its round is
    /// under way: post_round() takes round()'s arguments (it copies `outbox`), round_ready()
    /// tells without blocking whether finish_round() would return at once, finish_round()
    /// returns what round() would. One round is under way at a time; between post_round() and
    /// finish_round() the rank may only run events that were safe before (what it posted is a
    /// promise about everything it does from then on).
    virtual void post_round(std::span<const SimTime> bound_to,
                            std::span<const std::vector<Event>> outbox,
                            SimTime local_min,
                            std::uint64_t local_events,
                            bool failed) = 0;

    /// Not collective: true when finish_round() would not wait for another rank.
    virtual bool round_ready() = 0;

    /// Collective: completes the round post_round() started; `inbox` as in round().
    virtual RoundResult finish_round(std::vector<Event>& inbox) = 0;

    /// Collective: every rank's value, indexed by rank.
    virtual std::vector<std::uint64_t> all_gather(std::uint64_t value) = 0;

    /// Collective: `text` of rank `root` on every rank.
    virtual std::string broadcast(const std::string& text, RankId root) = 0;

    /// Collective: every rank's `bytes`, concatenated in rank order.
    virtual std::string all_gather_bytes(const std::string& bytes) = 0;

    /// Collective: a transport over the ranks that pass the same `color` (>= 0), ranked in
    /// increasing order of their rank here. Ranks in different groups then synchronise without
    /// each other. It must not outlive this transport.
    virtual std::unique_ptr<Transport> split(int color) = 0;

    // The side channel: messages outside the rounds, in no particular order and at no
    // particular time, for what only saves work (costs one rank computed that another may
    // need, serving::CostSharing) and never what results depend on. The defaults drop every
    // message, which is always correct; so does a single rank.

    /// Not collective: sends `bytes` to rank `to` (!= rank()) on the side channel.
    virtual void side_send(std::int32_t to, std::string bytes) {
        (void)to;
        (void)bytes;
    }

    /// Not collective: one side message that has arrived, into `bytes` (false: none yet).
    virtual bool side_receive(std::string& bytes) {
        (void)bytes;
        return false;
    }

    /// Collective: hands every side message still under way to `take` on its destination;
    /// afterwards none is. Call it before the transport goes away when side_send() was used.
    virtual void side_settle(const std::function<void(std::string_view)>& take) { (void)take; }
};

}  // namespace ltdes::des
