// SPDX-License-Identifier: MIT
// `--checkpoint` and `--restart` as the run layer sees them (docs/robustness.md): where and how
// often snapshots go, what the results depend on (refused on a restart when it differs) and the
// result rows already handed to the writer, which a snapshot must hold.
#pragma once

#include "ltdes/core/sim_time.hpp"
#include "ltdes/des/simulation.hpp"
#include "ltdes/des/snapshot.hpp"
#include "ltdes/des/state_bytes.hpp"
#include "ltdes/output/run_metadata.hpp"
#include "ltdes/stats/timeline_row.hpp"

#include <fmt/format.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace ltdes::sim {

/// The checkpoint options of one run.
struct CheckpointRequest {
    std::filesystem::path dir;  ///< --checkpoint (empty: no snapshots)
    SimTime every = SimTime::max();
    double wall_seconds = 0.0;
    std::filesystem::path restart;  ///< --restart (empty: a fresh run)

    bool any() const { return !dir.empty() || !restart.empty(); }
};

/// What a snapshot is checked against: the SHA-256 of every input file of `meta` (trace,
/// cluster, arch and HF config files), of its effective configuration, and `options` (result-
/// changing flags not in the configuration, e.g. "timeline=full").
des::SnapshotInputs snapshot_inputs(const output::RunMetadata& meta, const std::string& options);

/// Test hook: with LTDES_FAULT_SIGNAL_AT=<seconds>[:<rank>[:<signal>]] in the environment, the
/// given rank (default every rank) sends itself the signal (default TERM; TERM, INT, USR1 or
/// KILL) after its first window that reaches that simulated time, so tests can stop or kill a
/// run at a chosen point. Without it, returns `inner` unchanged.
des::ProgressCallback with_fault_signal(des::ProgressCallback inner, int rank);

/// The rows of one rank given to the result writer since the last snapshot, per LP: a
/// snapshot appends them to the LP's log (the writer's spill files are not part of a snapshot),
/// so each row is written to a snapshot once and then forgotten here.
template <class Row>
class RowKeeper {
    static_assert(std::is_trivially_copyable_v<Row>);

public:
    void add(std::uint32_t lp, const Row& row) { pending_[lp].push_back(row); }

    /// The rows of `lp` added since the last call, as bytes (the next part of its log); they
    /// are forgotten here.
    std::string take(std::uint32_t lp) {
        const auto it = pending_.find(lp);
        if (it == pending_.end()) {
            return {};
        }
        std::string bytes(it->second.size() * sizeof(Row), '\0');
        std::memcpy(bytes.data(), it->second.data(), bytes.size());
        pending_.erase(it);
        return bytes;
    }

    /// The rows of a whole log of `lp` (every part take() gave, in order).
    static std::vector<Row> rows_of(std::uint32_t lp, std::string_view bytes) {
        if (bytes.size() % sizeof(Row) != 0) {
            throw des::SnapshotError(fmt::format(
                "result rows of LP {}: {} bytes is not a whole number of rows (the snapshot is "
                "corrupt or truncated)",
                lp, bytes.size()));
        }
        std::vector<Row> rows(bytes.size() / sizeof(Row));
        if (!rows.empty()) {
            std::memcpy(static_cast<void*>(rows.data()), bytes.data(), bytes.size());
        }
        return rows;
    }

private:
    std::map<std::uint32_t, std::vector<Row>> pending_;
};

}  // namespace ltdes::sim
