// SPDX-License-Identifier: MIT
#pragma once

#include "ltdes/core/ids.hpp"
#include "ltdes/core/sim_time.hpp"
#include "ltdes/des/context.hpp"
#include "ltdes/des/delay_graph.hpp"
#include "ltdes/des/logical_process.hpp"
#include "ltdes/des/partitioner.hpp"
#include "ltdes/des/snapshot.hpp"
#include "ltdes/des/transport.hpp"

#include <cstdint>
#include <exception>
#include <filesystem>
#include <functional>
#include <memory>
#include <vector>

namespace ltdes::des {

class Engine;
class RankReach;

/// Parameters of one simulation run (the same on every rank).
struct SimulationSpec {
    /// Smallest delay between different LPs, in ps; must be > 0. Also the window length.
    SimTime lookahead = SimTime::from_ps(1);
    /// Events at time >= end_time are not executed (SimTime::max(): run until no event is left).
    SimTime end_time = SimTime::max();
    /// TBB worker threads of this rank (>= 1).
    int threads = 1;
    /// LPs per shard (a shard is the unit of parallel work; 0 = chosen by the engine). Changes
    /// speed only, never results.
    std::uint32_t lps_per_shard = 0;
    /// When a rank holds a single shard, its local windows may span this many lookaheads (>= 1):
    /// all its sends then go into one queue, which orders them itself. Fewer, longer windows
    /// cost less; the window is also how often the progress hook runs. Speed only.
    std::uint32_t single_shard_window_lookaheads = 1;
    /// With more than one rank: after this many events since the last round, a rank goes to
    /// the next round even when its bound lets it run on (0: only at the bound). It then tells
    /// the others sooner what it sent, so a rank waiting on it resumes sooner; each round costs
    /// a collective. With overlap_rounds: a rank looks whether its round is done only every
    /// this many events. Speed only.
    std::uint64_t round_events = 0;
    /// With more than one rank and no snapshots: a rank posts its round and, while the round
    /// is under way, runs the events the previous round made safe (Transport::post_round)
    /// instead of stopping for it; a busy rank then never waits for an idle one to ask. Each
    /// rank's bounds reach the others one round later. Speed only.
    bool overlap_rounds = false;

    /// Throws ConfigError when a field is out of range.
    void validate() const;
};

/// Builds the LP with a given id. Called once per LP owned by this rank, in increasing id order.
using LpFactory = std::function<std::unique_ptr<LogicalProcess>(LpId)>;

/// What a progress hook sees after each local window of a rank. Ranks run their own windows
/// between synchronisation rounds, so the values differ between ranks.
struct WindowProgress {
    /// Start of the window just executed on this rank, in ps.
    SimTime window_start;
    /// Exclusive end of that window, in ps.
    SimTime window_end;
    /// Events executed on all ranks of this rank's group (all ranks when there is one group)
    /// before the current round plus those this rank executed since (this window included).
    std::uint64_t global_events = 0;
    /// Windows executed so far on this rank.
    std::uint64_t windows = 0;
    /// Synchronisation rounds so far (the same on every rank after each round).
    std::uint64_t rounds = 0;
    /// Wall-clock seconds since run() started on this rank.
    double wall_seconds = 0.0;
    /// Of those, seconds spent in synchronisation rounds (waiting for other ranks).
    double sync_seconds = 0.0;
};

/// Called on every rank after every local window; keep it cheap (rate-limit printing yourself)
/// and do not throw from it (it runs outside the engine's collective error handling).
using ProgressCallback = std::function<void(const WindowProgress&)>;

/// Called on every rank after every local window, LPs idle. Unlike the progress hook it may
/// throw: the exception counts as this rank's failure (the rank runs no further window) and goes
/// through the next round's cross-rank agreement like an LP's, so every rank stops with it
/// (draining records to a spill file that cannot be written, say) instead of one rank leaving the
/// others waiting.
using WindowEndCallback = std::function<void()>;

/// Results of run(); identical on every rank except the `local_*` fields.
struct RunStats {
    /// Events executed on all ranks.
    std::uint64_t global_events = 0;
    /// Events executed on this rank.
    std::uint64_t local_events = 0;
    /// Events executed per rank, indexed by rank.
    std::vector<std::uint64_t> events_per_rank;
    /// Wall-clock seconds of run() per rank, indexed by rank.
    std::vector<double> wall_seconds_per_rank;
    /// Hash of every executed (time, lp, kind), independent of partition and threads.
    std::uint64_t fingerprint = 0;
    /// Largest number of local windows any rank executed (a window spans at most one
    /// lookahead from the rank's earliest event; they cost no communication).
    std::uint64_t windows = 0;
    /// Synchronisation rounds (one reduction plus the sparse event exchange each); with several
    /// groups of ranks (RankReach::group), the largest group count.
    std::uint64_t rounds = 0;
    /// Local windows per rank, indexed by rank.
    std::vector<std::uint64_t> windows_per_rank;
    /// Seconds each rank spent in rounds (synchronising and waiting), indexed by rank.
    std::vector<double> sync_seconds_per_rank;
    /// Time of the last event executed anywhere (0 if none), in ps.
    SimTime last_event_time;
    /// Wall-clock seconds of run() on this rank.
    double local_wall_seconds = 0.0;
};

/// One parallel discrete-event simulation: the LPs this rank owns, the engine that runs them in
/// conservative windows, the transport to the other ranks. Construction and run() are
/// collective over the transport's ranks.
class Simulation {
public:
    /// Builds the local LPs (factory called for each LP `partitioner` gives to this rank).
    /// `graph` (optional, must outlive the constructor) says which LPs talk and how soon; without
    /// it every LP may send to any other with the lookahead.
    Simulation(const SimulationSpec& spec,
               Transport& transport,
               const Partitioner& partitioner,
               std::uint32_t lp_count,
               const LpFactory& factory,
               const DelayGraph* graph = nullptr);
    ~Simulation();
    Simulation(const Simulation&) = delete;
    Simulation& operator=(const Simulation&) = delete;

    /// Installs a hook called after every window.
    void set_progress(ProgressCallback callback);

    /// Installs a hook called after every window whose exceptions all ranks agree on.
    void set_window_end(WindowEndCallback callback);

    /// Installs a hook run() calls first, on every rank, before any LP starts: work the LPs
    /// need before their first event (it may be collective), timed as part of the run. It
    /// must throw on every rank or on none.
    void set_before_start(std::function<void()> callback);

    /// Writes snapshots during run() as `options` says, and one when a stop signal ends the run
    /// (docs/robustness.md). Call before run(). Ranks then synchronise as one group.
    void enable_checkpoints(CheckpointOptions options);

    /// Collective, before run(): continues from the latest snapshot in `options.dir` (taken
    /// with any rank and thread count) instead of on_start. Throws SnapshotError on every rank
    /// when it cannot be used.
    void restart_from(const RestartOptions& options);

    /// The controls a run's caller hands over, each only when given: the progress hook,
    /// checkpoints (a folder), a restart (a snapshot folder). Collective when it restarts.
    void apply_controls(const ProgressCallback& progress,
                        const CheckpointOptions& checkpoint,
                        const RestartOptions& restart);

    /// Collective. Runs on_start, all windows, on_finish. May be called once. An exception on
    /// any rank (bad model input, a lookahead violation) is rethrown on every rank with the
    /// same type class (ltdes::Error or InternalError) and the message of the lowest failing
    /// rank, so the ranks never hang in mismatched collectives.
    RunStats run();

    /// Visits this rank's LPs in increasing id order (after run(), to collect results).
    void for_each_local_lp(const std::function<void(LpId, LogicalProcess&)>& visit);

    /// Number of LPs this rank owns.
    std::uint32_t local_lp_count() const;

    /// Counters of a local LP.
    const LpStats& lp_stats(LpId lp) const;

private:
    std::unique_ptr<Engine> engine_;
    std::unique_ptr<RankReach> reach_;
    std::unique_ptr<Transport> group_transport_;  // when ranks form several groups
    std::vector<std::int32_t> group_members_;     // world ranks of this rank's group
    std::vector<SimTime> group_bound_;
    std::vector<std::vector<Event>> group_outbox_;
    Transport& transport_;
    SimulationSpec spec_;
    ProgressCallback progress_;
    WindowEndCallback window_end_;
    std::function<void()> before_start_;
    std::exception_ptr window_end_error_;  ///< what window_end_ threw on this rank
    bool ran_ = false;
    std::unique_ptr<CheckpointOptions> checkpoint_;  ///< null: checkpoints off
    SimTime resumed_at_;                             ///< restart: the snapshot's cut time
    SimTime next_checkpoint_ = SimTime::max();
    double last_checkpoint_wall_ = 0.0;
    std::uint64_t snapshots_written_ = 0;  ///< by this run (a restart's snapshot not counted)
    /// The snapshot this run continued from or last wrote (empty: none): the next one carries
    /// its log over.
    std::filesystem::path last_snapshot_;

    /// Between rounds, every rank: is a snapshot due (same answer on every rank)?
    bool checkpoint_due(SimTime min_time, double wall_seconds);
    /// Collective: writes a snapshot of the cut at `at`.
    void write_checkpoint(SimTime at);
    /// Collective, after a stop agreed in a round: writes a snapshot unless some rank failed
    /// otherwise (an LP error leaves no consistent state). True when one was written.
    bool checkpoint_on_stop();
    /// After a complete run with a snapshot period that was never reached: says so on rank 0
    /// (a newcomer would otherwise find no snapshot only at --restart).
    void note_no_snapshot(SimTime end, double wall_seconds) const;
};

}  // namespace ltdes::des
