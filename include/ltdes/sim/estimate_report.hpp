// SPDX-License-Identifier: MIT
// `lt-des estimate` as a library: the analytical cost of a workload on one chip, summed per op
// name into the rows the command prints.
#pragma once

#include "ltdes/core/energy.hpp"
#include "ltdes/photonic/cost_model.hpp"
#include "ltdes/photonic/hpca24_estimate.hpp"
#include "ltdes/sim/estimate_sink.hpp"
#include "ltdes/sim/workload_source.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace ltdes::sim {

/// One printed row: all instances of one op name, summed.
struct EstimateRow {
    std::string name;
    std::string kind;         ///< "linear", "Q*K^T", "S*V" or the op kind of element-wise ops
    std::uint64_t count = 0;  ///< instances summed (compat: the reference's multiplier)
    double energy_mj = 0.0;
    double latency_ms = 0.0;
    EnergyPj energy;  ///< per component, pJ (all zero in compat mode: see the breakdown)
};

/// The whole estimate.
struct EstimateReport {
    std::string model;
    std::string arch;
    std::string opt;
    bool compat = false;
    std::vector<EstimateRow> rows;
    double total_energy_mj = 0.0;
    double total_latency_ms = 0.0;
};

/// Costs every op of `input` (its trace, or the op graph of its model and workload) with
/// `model` against `mem`, summing rows per op name (per phase/name for decoders); each costed op
/// also goes to `sink` when given (`estimate --out`). Weight matrices that fit `sram_bytes`
/// (first fit in trace order, as on a chip of `run`) are read from DRAM at their first use only.
EstimateReport estimate_workload(const ResolvedWorkload& input,
                                 const photonic::CostModel& model,
                                 const photonic::MemorySpec& mem,
                                 std::uint64_t sram_bytes,
                                 EstimateSink* sink);

/// Totals of an estimate without its rows (the sweep's fast path).
struct EstimateTotals {
    std::uint64_t ops = 0;
    double energy_mj = 0.0;
    double latency_ms = 0.0;
};

/// The totals estimate_workload reports for the same input, summed in the same order (so
/// bit-identical), without building rows.
EstimateTotals estimate_totals(const ResolvedWorkload& input,
                               const photonic::CostModel& model,
                               const photonic::MemorySpec& mem,
                               std::uint64_t sram_bytes);

/// The rows of a `--compat hpca24` estimate.
EstimateReport compat_report(const photonic::Hpca24Estimate& est);

}  // namespace ltdes::sim
