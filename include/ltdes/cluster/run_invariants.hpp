// SPDX-License-Identifier: MIT
// The end-of-run checks of docs/architecture.md: a run that breaks one fails loudly (InternalError,
// exit 1) instead of writing results that look fine.
#pragma once

#include "ltdes/cluster/chip_model.hpp"
#include "ltdes/core/sim_time.hpp"

#include <cstdint>
#include <span>

namespace ltdes::cluster {

/// Totals summed over every chip (each rank sums its own, then the ranks sum theirs).
struct RunTotals {
    std::uint64_t ops_expected = 0;
    std::uint64_t ops_executed = 0;
    std::uint64_t bytes_sent = 0;
    std::uint64_t bytes_received = 0;
    EnergyPj energy;
    SimTime makespan;
    SimTime prefill_end;  ///< when the last prefill op completed anywhere (the TTFT)

    /// Adds one chip (energies in chip-id order keep the sum bit-identical for any partition).
    void add(const ChipTotals& chip);
};

/// Throws InternalError unless chip `chip` finished no earlier than the work of each of its
/// resources (issue 7 check (b): without overlap, no earlier than the sum of its ops).
void check_chip_invariants(std::uint32_t chip, const ChipTotals& totals);

/// Throws InternalError naming the broken invariant: every op shard executed exactly once
/// (executed = expected = `op_instances` of the census), bytes sent = bytes received, every
/// energy component ≥ 0, makespan > 0.
void check_run_invariants(const RunTotals& totals, std::uint64_t op_instances);

}  // namespace ltdes::cluster
