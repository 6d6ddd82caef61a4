// SPDX-License-Identifier: MIT
#pragma once

#include "ltdes/photonic/op_cost.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace ltdes::photonic {

/// Which reference code path a matmul takes: a linear layer (static weights fetched from DRAM)
/// or one of the two attention products.
enum class MatmulKind : std::uint8_t { fc, qk, sv };

/// One matmul in the reference's operand names (docs/model.md): M1 = [n1 × d] (rows
/// operand, the weights of an FC), M2 = [d × n2] (columns operand), done `heads` times.
/// For `sv` the shape is the DOTA one; the MRR bank swaps operands itself.
struct MatmulShape {
    MatmulKind kind = MatmulKind::fc;
    std::uint64_t n1 = 0;
    std::uint64_t d = 0;
    std::uint64_t n2 = 0;
    std::uint64_t heads = 1;
};

/// The reference's finer energy components (its CSV names, kept for `--breakdown`). DOTA
/// reports `RX-Detector` and `RX-TIA`; MRR bank and MZI report `RX`. `phase_shifter` is in the
/// reference's comp total but has no CSV row (0 with the shipped parameters).
enum class RefComponent : std::uint8_t {
    laser,
    dac_1,
    dac_2,
    tx_1,
    tx_2,
    rx_detector,
    rx_tia,
    rx,
    adc,
    adder,
    phase_shifter,
    rf,
    lb,
    gb,
    dram,
};
inline constexpr std::size_t kNumRefComponents = 15;
/// CSV names, indexed by RefComponent.
inline constexpr std::array<std::string_view, kNumRefComponents> kRefComponentNames = {
    "laser", "DAC_1", "DAC_2", "TX_1", "TX_2", "RX-Detector", "RX-TIA", "RX",
    "ADC",   "adder", "PS",    "RF",   "LB",   "GB",          "DRAM"};

/// True for the data-movement part ("datamovement"), false for the compute part ("comp").
constexpr bool is_datamovement(RefComponent c) {
    return c >= RefComponent::rf;
}

/// Full result of one matmul, in the reference's terms (energy pJ, cycles, ms).
struct GemmCost {
    std::array<double, kNumRefComponents> pj{};
    std::uint64_t compute_cycles = 0;  ///< core cycles
    std::uint64_t memory_cycles = 0;   ///< 500 MHz memory cycles
    std::uint64_t program_waves = 0;   ///< MZI mesh reprogramming waves (0 otherwise)
    double compute_ms = 0.0;           ///< includes MZI reprogramming
    double program_ms = 0.0;           ///< MZI reprogramming part of compute_ms
    double memory_ms = 0.0;
    double latency_ms = 0.0;  ///< max(compute_ms, memory_ms)
    /// Split of the MRR/MZI `RX` energy: fraction that is photodetection (rest is TIA).
    double rx_detector_fraction = 0.0;

    double& operator[](RefComponent c) { return pj[static_cast<std::size_t>(c)]; }

    double operator[](RefComponent c) const { return pj[static_cast<std::size_t>(c)]; }

    /// Compute part ("comp total"), pJ.
    double comp_pj() const;
    /// Data-movement part ("datamovement total"), pJ.
    double datamovement_pj() const;

    /// comp + datamovement, pJ.
    double total_pj() const { return comp_pj() + datamovement_pj(); }

    /// The lt-des view: components of docs/energy.md, latency in seconds.
    OpCost to_op_cost() const;
};

}  // namespace ltdes::photonic
