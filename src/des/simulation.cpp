// SPDX-License-Identifier: MIT
#include "ltdes/des/simulation.hpp"

#include "ltdes/core/assert.hpp"
#include "ltdes/core/error.hpp"
#include "ltdes/core/interrupted.hpp"
#include "ltdes/des/engine.hpp"
#include "ltdes/des/raise_everywhere.hpp"
#include "ltdes/des/rank_reach.hpp"
#include "ltdes/des/stop_request.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <exception>
#include <span>
#include <string>
#include <utility>

namespace ltdes::des {

namespace {

/// The stop's message, plus where its snapshot is.
std::exception_ptr with_snapshot_note(const std::exception_ptr& stop, const std::string& dir) {
    try {
        std::rethrow_exception(stop);
    } catch (const Interrupted& e) {
        return std::make_exception_ptr(Interrupted(
            e.signal(), fmt::format("{}; a snapshot is in {} (continue with --restart {})",
                                    e.what(), dir, dir)));
    } catch (...) {
        return stop;
    }
}

}  // namespace

void SimulationSpec::validate() const {
    if (lookahead <= SimTime::zero()) {
        throw ConfigError(fmt::format("lookahead must be > 0 ps (got {} ps)", lookahead.in_ps()));
    }
    if (end_time < SimTime::zero()) {
        throw ConfigError(fmt::format("end time must be >= 0 ps (got {} ps)", end_time.in_ps()));
    }
    if (single_shard_window_lookaheads < 1) {
        throw ConfigError("single_shard_window_lookaheads must be >= 1");
    }
    if (threads < 1) {
        throw ConfigError(fmt::format("threads must be >= 1 (got {})", threads));
    }
}

Simulation::Simulation(const SimulationSpec& spec,
                       Transport& transport,
                       const Partitioner& partitioner,
                       std::uint32_t lp_count,
                       const LpFactory& factory,
                       const DelayGraph* graph)
    : transport_(transport), spec_(spec) {
    spec_.validate();
    engine_ = std::make_unique<Engine>(spec_, transport.rank(), transport.size(), partitioner,
                                       lp_count, factory);
    reach_ = std::make_unique<RankReach>(
        graph != nullptr ? RankReach(*graph, engine_->owners(), transport.size(), transport.rank(),
                                     spec_.lookahead)
                         : RankReach::uniform(transport.size(), transport.rank(), spec_.lookahead));
    std::vector<SimTime> direct(static_cast<std::size_t>(transport.size()));
    for (std::int32_t r = 0; r < transport.size(); ++r) {
        direct[static_cast<std::size_t>(r)] = reach_->direct(r);
    }
    engine_->set_remote_delays(std::move(direct));
    if (graph != nullptr && transport.size() > 1) {
        // The local LPs some LP of another rank may send to; the others only hear this rank.
        const auto& owner = engine_->owners();
        const auto me = to_underlying(transport.rank());
        std::vector<char> exposed_global(owner.size(), 0);
        for (std::uint32_t src = 0; src < lp_count; ++src) {
            if (owner[src] == me) {
                continue;
            }
            graph->for_each_target(LpId{src}, [&](LpId dst, SimTime) {
                if (owner[to_underlying(dst)] == me) {
                    exposed_global[to_underlying(dst)] = 1;
                }
            });
        }
        std::vector<char> exposed;
        for (std::uint32_t lp = 0; lp < lp_count; ++lp) {
            if (owner[lp] == me) {
                exposed.push_back(exposed_global[lp]);
            }
        }
        engine_->set_exposed(std::move(exposed));
    }
    // Ranks of different groups never affect each other: each group synchronises on its own
    // (collective over all ranks; skipped when everybody is in one group).
    const auto groups = transport.all_gather(static_cast<std::uint64_t>(reach_->group()));
    if (std::any_of(groups.begin(), groups.end(),
                    [&](std::uint64_t g) { return g != groups[0]; })) {
        group_transport_ = transport.split(reach_->group());
        for (std::size_t r = 0; r < groups.size(); ++r) {
            if (groups[r] == static_cast<std::uint64_t>(reach_->group())) {
                group_members_.push_back(static_cast<std::int32_t>(r));
            }
        }
    }
}

Simulation::~Simulation() = default;

void Simulation::set_progress(ProgressCallback callback) {
    progress_ = std::move(callback);
}

void Simulation::set_window_end(WindowEndCallback callback) {
    window_end_ = std::move(callback);
}

void Simulation::set_before_start(std::function<void()> callback) {
    before_start_ = std::move(callback);
}

namespace {

SimTime saturating_add(SimTime a, SimTime b) {
    return a >= SimTime::max() - b ? SimTime::max() : a + b;
}

// Above this many destination ranks, in-transit events get the plain bound (earliest + smallest
// edge) instead of one per destination: O(ranks) per round instead of O(ranks^2).
constexpr std::size_t kExactTransitRanks = 8;

}  // namespace

// Each round: every rank tells every rank r the earliest time it can still cause an event
// there (the earliest output of its LPs plus D(me, r), and for events in transit to rank y, their
// time plus what is left of the way from y); the reduction gives each rank the minimum, its
// bound. Events before the bound are safe: the rank runs them in local windows of one
// lookahead (sends between its own LPs need that), without talking to anyone.
RunStats Simulation::run() {
    LTDES_ASSERT(!ran_, "Simulation::run() may be called once");
    ran_ = true;
    using Clock = std::chrono::steady_clock;
    const auto started = Clock::now();
    auto elapsed = [&] { return std::chrono::duration<double>(Clock::now() - started).count(); };

    Engine& engine = *engine_;
    const RankReach& reach = *reach_;
    const std::int32_t ranks = transport_.size();
    const SimTime max_span =
        engine.shard_count() == 1 &&
                spec_.lookahead.in_ps() <=
                    SimTime::max().in_ps() / spec_.single_shard_window_lookaheads
            ? SimTime::from_ps(spec_.lookahead.in_ps() * spec_.single_shard_window_lookaheads)
            : spec_.lookahead;
    if (before_start_) {
        before_start_();
    }
    engine.start();
    const bool reaches_any = reach.reachable() > 0;
    std::vector<Event> inbox;
    std::vector<SimTime> bound_to(static_cast<std::size_t>(ranks));
    std::vector<std::int32_t> sending;
    std::vector<SimTime> lp_next;  // per local LP, when reach.per_lp()
    std::uint64_t windows = 0;
    std::uint64_t rounds = 0;
    double sync_seconds = 0.0;
    bool failed_in_loop = false;
    // A stop request (a signal) counts as this rank's failure from the next window boundary on,
    // so the ranks agree on it like on an error and stop together.
    std::exception_ptr stop_error;
    SimTime reached = resumed_at_;  // end of the last window run here
    const auto poll_stop = [&] {
        if (stop_error == nullptr) {
            if (const int sig = stop_signal(); sig != 0) {
                stop_error = std::make_exception_ptr(Interrupted(
                    sig, fmt::format("interrupted by {} at simulated time {:.9g} s (a window "
                                     "boundary); the run did not finish",
                                     signal_name(sig), reached.in_seconds())));
            }
        }
    };
    // This rank's failure: an LP's (kept by the engine), the window-end hook's or a stop.
    // An event received for a time this rank has already run past: some rank's bound was
    // wrong (a model bug); agreed on at the next round like an LP's error.
    std::exception_ptr causality_error;
    const auto failed = [&] {
        return engine.failed() || window_end_error_ != nullptr || stop_error != nullptr ||
               causality_error != nullptr;
    };
    const auto failure = [&] {
        return engine.failed()                ? engine.failure()
               : window_end_error_ != nullptr ? window_end_error_
               : stop_error != nullptr        ? stop_error
                                              : causality_error;
    };
    const bool wall_checkpoints = checkpoint_ && checkpoint_->wall_seconds > 0.0;
    // A snapshot is a cut at a round: nothing may be under way then.
    const bool overlap = spec_.overlap_rounds && ranks > 1 && !checkpoint_;
    RoundResult round;
    SimTime safe = SimTime::zero();    // no event from another rank will come before this
    SimTime run_to = SimTime::zero();  // the windows' end: safe, or past it for sheltered LPs
    SimTime hold = SimTime::max();
    std::uint64_t events_at_round = 0;
    std::uint64_t events_at_post = 0;
    // Local windows up to run_to. With a posted round (`posted`), until the round is ready
    // to finish; without, until the round is due.
    const auto run_windows = [&](Transport* posted) {
        while (!failed()) {
            const SimTime start = engine.next_runnable_time();
            if (start >= run_to) {
                break;
            }
            const SimTime end = std::min(run_to, saturating_add(start, max_span));
            engine.execute_window(end, hold);
            ++windows;
            reached = std::min(end, safe);  // where the exposed LPs are
            engine.route();
            engine.deliver(inbox);
            if (window_end_ && !failed()) {
                try {
                    window_end_();
                } catch (...) {
                    window_end_error_ = std::current_exception();  // agreed on at the next round
                }
            }
            if (progress_) {
                progress_(WindowProgress{start, end,
                                         round.events + engine.events_executed() - events_at_round,
                                         windows, rounds, elapsed(), sync_seconds});
            }
            poll_stop();
            if (posted != nullptr) {
                // A busy rank asks only every round_events events: each round costs it too.
                if (engine.events_executed() - events_at_post >= spec_.round_events &&
                    posted->round_ready()) {
                    break;
                }
                continue;
            }
            if (wall_checkpoints &&
                elapsed() - last_checkpoint_wall_ >= checkpoint_->wall_seconds) {
                break;  // to the round, where rank 0 decides for every rank
            }
            if (ranks > 1 && spec_.round_events > 0 &&
                engine.events_executed() - events_at_round >= spec_.round_events) {
                break;  // to the round: what this rank sent may be what another waits for
            }
        }
    };
    while (true) {
        // With overlapped rounds the coming windows keep the hold of the last round: what they
        // would set aside again stays aside. Otherwise the next hold is not known yet.
        engine.release_held(overlap ? hold : SimTime::max());
        engine.route();
        engine.deliver(inbox);  // local inter-shard events (inbox is empty here)
        const SimTime local_next = engine.next_event_time();
        // What this rank's LPs can send, from their earliest output (a busy LP cannot send
        // before it is done); asked only when some rank can hear this one.
        const SimTime output = reaches_any ? engine.output_bound() : local_next;
        sending.clear();
        for (std::int32_t r = 0; r < ranks; ++r) {
            bound_to[static_cast<std::size_t>(r)] = saturating_add(output, reach.to(r));
            if (engine.outgoing_min(r) != SimTime::max()) {
                sending.push_back(r);
            }
        }
        if (reaches_any && reach.per_lp() && !engine.lps_bound_output()) {
            // Each pending event starts its chains at its own LP: an LP far from the border
            // gives the other ranks more room than the rank's earliest event alone would.
            engine.next_event_times(lp_next);
            for (std::int32_t r = 0; r < ranks; ++r) {
                SimTime b = SimTime::max();
                for (std::uint32_t i = 0; i < lp_next.size(); ++i) {
                    b = std::min(b, saturating_add(lp_next[i], reach.lp_to(i, r)));
                }
                bound_to[static_cast<std::size_t>(r)] = b;
            }
        }
        if (!sending.empty()) {
            const bool exact = sending.size() <= kExactTransitRanks;
            for (std::int32_t x = 0; x < ranks; ++x) {
                const SimTime dx = reach.to(x);
                if (dx == SimTime::max()) {
                    continue;  // nothing this rank sends can ever get there
                }
                SimTime& b = bound_to[static_cast<std::size_t>(x)];
                if (!exact) {
                    b = std::min(b, saturating_add(engine.outgoing_min(), reach.min_edge()));
                    continue;
                }
                for (const std::int32_t y : sending) {
                    // D(y, x) >= D(me, x) - D(me, y) (triangle) and >= the smallest edge.
                    const SimTime rest = std::max(reach.min_edge(), dx - reach.to(y));
                    b = std::min(b, saturating_add(engine.outgoing_min(y), rest));
                }
            }
        }
        const SimTime local_min = std::min(local_next, engine.outgoing_min());
        poll_stop();
        auto sync_started = Clock::now();
        // The group's ranks, renumbered: no event or bound goes outside the group.
        const bool grouped = group_transport_ && !checkpoint_;
        Transport& transport = grouped ? *group_transport_ : transport_;
        std::span<const SimTime> bounds = bound_to;
        std::span<const std::vector<Event>> outbox = engine.rank_outbox();
        if (grouped) {
            const std::size_t m = group_members_.size();
            group_bound_.resize(m);
            group_outbox_.resize(m);
            for (std::size_t i = 0; i < m; ++i) {
                const auto r = static_cast<std::size_t>(group_members_[i]);
                group_bound_[i] = bound_to[r];
                group_outbox_[i].assign(engine.rank_outbox()[r].begin(),
                                        engine.rank_outbox()[r].end());
            }
            bounds = group_bound_;
            outbox = group_outbox_;
        }
        if (overlap) {
            transport.post_round(bounds, outbox, local_min, engine.events_executed(), failed());
            events_at_post = engine.events_executed();
            engine.clear_outbox();
            sync_seconds += std::chrono::duration<double>(Clock::now() - sync_started).count();
            run_windows(&transport);
            sync_started = Clock::now();
            round = transport.finish_round(inbox);
        } else {
            round = transport.round(bounds, outbox, inbox, local_min, engine.events_executed(),
                                    failed());
            engine.clear_outbox();
        }
        sync_seconds += std::chrono::duration<double>(Clock::now() - sync_started).count();
        for (const Event& ev : inbox) {
            if (causality_error != nullptr) {
                break;
            }
            if (ev.time < reached) {
                causality_error = std::make_exception_ptr(InternalError(fmt::format(
                    "LP {} -> {}: an event at {} ps arrived after rank {} ran to {} ps (a rank's "
                    "bound on what it can send was wrong)",
                    ev.src, ev.dst, ev.time.in_ps(), transport_.rank(), reached.in_ps())));
            } else if (!engine.hears_other_ranks(ev.dst)) {
                // It may have run past the round's bound (Engine::sheltered_bound).
                causality_error = std::make_exception_ptr(InternalError(fmt::format(
                    "LP {} -> {}: an event from another rank, but the delay graph lists no LP "
                    "of another rank that sends to LP {} (a send the graph does not list)",
                    ev.src, ev.dst, ev.dst)));
            }
        }
        engine.deliver(inbox);
        if (round.failed_rank >= 0) {
            // Reported below, collectively over every rank (other groups may still be running).
            failed_in_loop = true;
            if (checkpoint_ && checkpoint_on_stop() && stop_error != nullptr) {
                stop_error = with_snapshot_note(stop_error, checkpoint_->dir.string());
            }
            break;
        }
        if (checkpoint_ && round.min_time < spec_.end_time &&
            checkpoint_due(round.min_time, elapsed())) {
            write_checkpoint(round.min_time);   // a cut: every event exchanged and queued
            last_checkpoint_wall_ = elapsed();  // the wall period counts from its end
        }
        if (round.min_time >= spec_.end_time) {
            break;
        }
        ++rounds;
        // A due snapshot needs a round: windows stop at the next snapshot time. What an earlier
        // round made safe stays safe (what it did not deliver comes at or after its bound).
        safe = std::max(safe, std::min({round.bound, spec_.end_time, next_checkpoint_}));
        // LPs that only hear this rank may run on while those other ranks can reach wait at
        // the bound (Engine::sheltered_bound).
        run_to = std::min({engine.sheltered_bound(safe), spec_.end_time, next_checkpoint_});
        hold = run_to > safe ? safe : SimTime::max();
        events_at_round = engine.events_executed();
        if (!overlap) {
            run_windows(nullptr);
        }
    }

    RunStats stats;
    const auto rounds_per_rank = transport_.all_gather(rounds);  // groups count their own
    stats.rounds = *std::max_element(rounds_per_rank.begin(), rounds_per_rank.end());
    stats.windows_per_rank = transport_.all_gather(windows);
    stats.windows = *std::max_element(stats.windows_per_rank.begin(), stats.windows_per_rank.end());
    const auto last_times =
        transport_.all_gather(static_cast<std::uint64_t>(engine.last_event_time().in_ps()));
    stats.last_event_time = SimTime::from_ps(
        static_cast<std::int64_t>(*std::max_element(last_times.begin(), last_times.end())));
    if (!failed_in_loop) {
        engine.finish(stats.last_event_time);
    }
    const WindowReduction after = transport_.reduce_window(SimTime::max(), 0, failed());
    if (after.failed_rank >= 0) {
        raise_everywhere(transport_, failure(), after.failed_rank);
    }
    if (checkpoint_ && snapshots_written_ == 0) {
        note_no_snapshot(stats.last_event_time, elapsed());
    }

    stats.local_events = engine.events_executed();
    stats.events_per_rank = transport_.all_gather(stats.local_events);
    for (const std::uint64_t n : stats.events_per_rank) {
        stats.global_events += n;
    }
    for (const std::uint64_t f : transport_.all_gather(engine.fingerprint())) {
        stats.fingerprint += f;  // wrapping sum: independent of how LPs are split
    }
    stats.local_wall_seconds = elapsed();
    const auto wall_ns = transport_.all_gather(
        static_cast<std::uint64_t>(std::llround(stats.local_wall_seconds * 1e9)));
    for (const std::uint64_t ns : wall_ns) {
        stats.wall_seconds_per_rank.push_back(static_cast<double>(ns) * 1e-9);
    }
    for (const std::uint64_t ns :
         transport_.all_gather(static_cast<std::uint64_t>(std::llround(sync_seconds * 1e9)))) {
        stats.sync_seconds_per_rank.push_back(static_cast<double>(ns) * 1e-9);
    }
    return stats;
}

void Simulation::for_each_local_lp(const std::function<void(LpId, LogicalProcess&)>& visit) {
    engine_->for_each_lp(visit);
}

std::uint32_t Simulation::local_lp_count() const {
    return engine_->local_lp_count();
}

const LpStats& Simulation::lp_stats(LpId lp) const {
    return engine_->lp_stats(lp);
}

}  // namespace ltdes::des
