// SPDX-License-Identifier: MIT
#pragma once

#include "ltdes/core/energy.hpp"

#include <cstdint>

namespace ltdes::photonic {

/// DRAM seen by one chip; comes from the cluster config (defaults: the reference's DRAM→SRAM
/// bandwidth 1024⁴·8 bit/s and 100 ns latency).
struct MemorySpec {
    double dram_bandwidth_bps = 8.796093022208e12;  ///< bit/s
    double dram_latency_s = 100e-9;
};

/// Cost of one op on one chip (docs/energy.md).
struct OpCost {
    /// Core cycles of the photonic MACs at the arch's work frequency (0 for non-matmul ops;
    /// MZI mesh reprogramming is not a core cycle: it is in latency_s only).
    std::uint64_t compute_cycles = 0;
    /// Memory-clock (500 MHz) cycles of the memory term, rounded up.
    std::uint64_t memory_cycles = 0;
    /// Duration of the op in seconds: max(compute (+ MZI reprogramming), memory).
    double latency_s = 0.0;
    /// Matmuls: the compute part of latency_s (cores, MZI reprogramming included), seconds;
    /// latency_s = max(compute_s, memory term). 0 for other ops.
    double compute_s = 0.0;
    EnergyPj energy;  ///< per component, pJ
};

}  // namespace ltdes::photonic
