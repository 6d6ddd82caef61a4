// SPDX-License-Identifier: MIT
// Integer helpers and clock constants shared by the three cost models (private header).
#pragma once

#include "ltdes/photonic/arch_spec.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace ltdes::photonic::detail {

/// Memory clock of the reference's SRAM model (docs/model.md), Hz.
inline constexpr double kMemClockHz = 500e6;

/// ceil(a / b) for b > 0.
constexpr std::uint64_t ceil_div(std::uint64_t a, std::uint64_t b) {
    return (a + b - 1) / b;
}

/// Memory-clock cycles to move `bits` at `bandwidth_bps`, rounded up as the reference does.
inline std::uint64_t mem_cycles(double bits, double bandwidth_bps) {
    return static_cast<std::uint64_t>(std::ceil(bits / bandwidth_bps * kMemClockHz));
}

/// Milliseconds of `cycles` core cycles at `freq_ghz` (the reference's `cycles / f * 1e-6`).
inline double core_ms(std::uint64_t cycles, double freq_ghz) {
    return static_cast<double>(cycles) / freq_ghz * 1e-6;
}

/// Milliseconds of `cycles` memory-clock cycles.
inline double mem_ms(std::uint64_t cycles) {
    return static_cast<double>(cycles) / kMemClockHz * 1e3;
}

/// mJ per 2-byte access → pJ per 2-byte access.
inline constexpr double kPjPerMj = 1e9;

/// Data-movement costs of one arch in pJ per 2-byte access, and `nb` = 2-byte units per element
/// (in_bit / 16, used for outputs and partial sums too, as the reference does).
struct AccessPj {
    double nb = 0.0;
    double rf = 0.0;
    double gb1 = 0.0;
    double gb2 = 0.0;
    double noc = 0.0;
    double dram = 0.0;
    double dram_gb = 0.0;

    static AccessPj from(const ArchSpec& a) {
        const DataMovementSpec& dm = a.datamovement;
        return {static_cast<double>(a.in_bit) / 16.0,
                dm.rf_mj * kPjPerMj,
                dm.gb1_mj * kPjPerMj,
                dm.gb2_mj * kPjPerMj,
                dm.noc_mj * kPjPerMj,
                dm.dram_mj * kPjPerMj,
                dm.dram_gb_mj * kPjPerMj};
    }
};

/// Output reload count of the MRR-bank and MZI baselines: max(ceil(H·N2·act_bit/8 / buffer), 1).
inline double baseline_output_reloads(const ArchSpec& a, double n2) {
    return std::max(std::ceil(static_cast<double>(a.height) * n2 * a.act_bit / 8.0 /
                              static_cast<double>(a.m2_buffer_size_bytes)),
                    1.0);
}

}  // namespace ltdes::photonic::detail
