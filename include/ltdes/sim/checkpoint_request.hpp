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

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
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

/// The rows of one rank already given to the result writer, per LP, so that a snapshot holds
/// them (the writer's spill files are not part of a snapshot).
template <class Row>
class RowKeeper {
public:
    void add(std::uint32_t lp, const Row& row) { rows_[lp].push_back(row); }

    /// The rows of `lp` as bytes.
    std::string save(std::uint32_t lp) const {
        const auto it = rows_.find(lp);
        des::StateWriter w;
        w.put_vector(it == rows_.end() ? std::vector<Row>{} : it->second);
        return w.take();
    }

    /// Reads rows saved for `lp`; keeps them when `keep` (later snapshots hold them again).
    std::vector<Row> restore(std::uint32_t lp, std::string_view bytes, bool keep) {
        des::StateReader r(bytes, "result rows of LP " + std::to_string(lp));
        std::vector<Row> rows = r.get_vector<Row>(std::uint64_t{1} << 40);
        r.expect_end();
        if (keep) {
            rows_[lp] = rows;
        }
        return rows;
    }

private:
    std::map<std::uint32_t, std::vector<Row>> rows_;
};

}  // namespace ltdes::sim
