// SPDX-License-Identifier: MIT
// Checkpoints of a simulation: a consistent cut taken at a synchronisation round (every rank at
// the same point, every event exchanged, so nothing is in flight), stored as one file per rank
// keyed by LP id plus a manifest, so that a different number of ranks can read it back.
#pragma once

#include "ltdes/core/ids.hpp"
#include "ltdes/core/sim_time.hpp"
#include "ltdes/des/context.hpp"
#include "ltdes/des/event.hpp"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ltdes::des {

class Transport;

/// One LP's part of a snapshot.
struct LpSnapshot {
    LpId id{};
    /// Its next per-source sequence number.
    std::uint64_t next_seq = 0;
    LpStats stats;
    std::uint64_t fingerprint_chain = 0;
    bool fingerprint_any = false;
    /// LogicalProcess::save.
    std::string state;
    /// Its pending events (addressed to it), any order.
    std::vector<Event> events;
    /// The application's part (result rows already produced), opaque to the kernel, as an
    /// append-only log: when writing, the bytes appended since the previous snapshot of the
    /// chain (written once, in a log file that later snapshots hard-link); when reading, the
    /// whole log, every part in order.
    std::string extra;
};

/// A consistent cut as held by one rank: its own LPs and the global fields.
struct SimSnapshot {
    /// Earliest pending event anywhere (SimTime::max(): none), in ps.
    SimTime time;
    /// Time of the last event executed anywhere, in ps.
    SimTime last_event;
    std::uint32_t lp_count = 0;
    std::vector<LpSnapshot> lps;
    /// The folder it was read from (read_snapshot) or written to (write_snapshot): the next
    /// snapshot of the chain carries its logs over.
    std::filesystem::path folder;
};

/// What the results depend on, as (name, value) pairs (SHA-256 of files, result-changing
/// options). A restart with any pair different is refused, naming it.
using SnapshotInputs = std::vector<std::pair<std::string, std::string>>;

/// `--checkpoint`: where and when.
struct CheckpointOptions {
    /// Folder of the snapshots (empty: no checkpoints).
    std::filesystem::path dir;
    /// A snapshot each time simulated time passes a multiple of this (SimTime::max(): never).
    SimTime every = SimTime::max();
    /// A snapshot when this many wall seconds passed since the last one (0: never).
    double wall_seconds = 0.0;
    SnapshotInputs inputs;
    /// The application's part of an LP (may be empty).
    std::function<std::string(LpId)> save_extra;
};

/// `--restart`: the folder and how to check and use it.
struct RestartOptions {
    std::filesystem::path dir;
    SnapshotInputs inputs;
    /// Receives the application's part of every LP this rank owns (may be empty).
    std::function<void(LpId, std::string_view)> restore_extra;
};

/// Collective. Writes `snap` (each rank its LPs) as a new snapshot in `dir`: the files go to
/// `dir/tmp-<n>` first, rank 0 adds the manifest, renames the folder to `dir/snap-<n>` and then
/// points `dir/latest` at it (write and rename), so the previous snapshot stays valid until the
/// new one is complete; the previous one is removed afterwards. The LPs' `extra` bytes go to
/// `log-<n>-r<rank>.bin`; the log files of `previous` (the snapshot this run continued from or
/// last wrote; empty: none) are hard-linked (copied where links fail) into the new folder, so
/// no log byte is written twice. Returns the new folder. Throws OutputError on every rank when
/// any rank cannot write.
std::filesystem::path write_snapshot(Transport& transport,
                                     const std::filesystem::path& dir,
                                     const SimSnapshot& snap,
                                     const SnapshotInputs& inputs,
                                     const std::filesystem::path& previous = {});

/// Collective. Reads the latest snapshot of `dir` and keeps the LPs `mine` says this rank owns
/// (all others are read and checked too). Throws SnapshotError on every rank (one message, the
/// lowest failing rank's) when the snapshot is missing, corrupt, truncated, out of range, made
/// for a different LP count, or when `inputs` differ from the snapshot's (naming the input).
SimSnapshot read_snapshot(Transport& transport,
                          const std::filesystem::path& dir,
                          std::uint32_t lp_count,
                          const SnapshotInputs& inputs,
                          const std::function<bool(LpId)>& mine);

}  // namespace ltdes::des
