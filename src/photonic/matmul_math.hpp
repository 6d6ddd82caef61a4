// SPDX-License-Identifier: MIT
// Integer helpers and clock constants shared by the three cost models (private header).
#pragma once

#include <cmath>
#include <cstdint>

namespace ltdes::photonic::detail {

/// Memory clock of the reference's SRAM model (lt-model.md §2.3), Hz.
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

}  // namespace ltdes::photonic::detail
