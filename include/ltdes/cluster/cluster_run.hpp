// SPDX-License-Identifier: MIT
// One simulation of a plan on the DES kernel: builds the chip (and bus) LPs of this rank, runs
// the windows, then gathers every chip's totals on every rank in chip order, so sums are
// bit-identical whatever the number of ranks and threads.
#pragma once

#include "ltdes/cluster/chip_model.hpp"
#include "ltdes/cluster/cluster_spec.hpp"
#include "ltdes/cluster/plan.hpp"
#include "ltdes/cluster/run_invariants.hpp"
#include "ltdes/cluster/stage_program.hpp"
#include "ltdes/des/partitioner.hpp"
#include "ltdes/des/simulation.hpp"
#include "ltdes/des/transport.hpp"

#include <cstdint>
#include <functional>
#include <vector>

namespace ltdes::cluster {

/// Everything a run needs besides the transport.
struct ClusterRunInputs {
    ClusterSpec spec;
    const Plan* plan = nullptr;
    const std::vector<StageProgram>* programs = nullptr;  ///< indexed by stage
    std::function<OpCostFn(std::uint32_t chip)> cost_of_chip;
    /// Laser power of a chip's arch in mW (for static.enabled); may be empty when disabled.
    std::function<double(std::uint32_t chip)> laser_power_mw;
    /// SRAM bytes a chip keeps weights in (docs/cluster.md, "Memory"); empty: none resident.
    std::function<std::uint64_t(std::uint32_t chip)> sram_bytes_of_chip;
    std::uint32_t bits = 4;  ///< arch precision, for bytes on links
    int threads = 1;
    bool keep_records = false;  ///< every op and transfer record (for /timeline)
    bool keep_layers = false;   ///< per-layer aggregates only (for /layers)
    des::ProgressCallback progress;
    /// With keep_records: receives this rank's records after every window (on the thread that
    /// called run_cluster, LPs idle), so they never pile up in memory; it may throw (every rank
    /// then stops with that error, des::WindowEndCallback). Records it has not received are
    /// returned in ClusterRunResult::local_records.
    std::function<void(std::vector<stats::TimelineRow>&&)> record_sink;
};

/// What a run produced; identical on every rank except `local_records` and `stats.local_*`.
struct ClusterRunResult {
    std::vector<ChipTotals> chips;  ///< every chip, by id
    RunTotals totals;               ///< summed in chip order
    std::vector<LinkUse> links;     ///< every link that exists, by (from, to)
    des::RunStats stats;
    std::vector<stats::TimelineRow> local_records;  ///< this rank's chips, by chip, completion
    std::vector<stats::LayerStats> local_layers;    ///< this rank's chips' partials, by chip
};

/// Collective over `transport`'s ranks. Throws what the LPs throw (bad input as ltdes::Error,
/// broken invariants as InternalError) on every rank.
ClusterRunResult run_cluster(const ClusterRunInputs& in,
                             des::Transport& transport,
                             const des::Partitioner& partitioner);

}  // namespace ltdes::cluster
