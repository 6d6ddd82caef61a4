// SPDX-License-Identifier: MIT
#include "ltdes/photonic/gemm_cost.hpp"

namespace ltdes::photonic {

double GemmCost::comp_pj() const {
    double s = 0.0;
    for (std::size_t i = 0; i < kNumRefComponents; ++i) {
        if (!is_datamovement(static_cast<RefComponent>(i))) {
            s += pj[i];
        }
    }
    return s;
}

double GemmCost::datamovement_pj() const {
    double s = 0.0;
    for (std::size_t i = 0; i < kNumRefComponents; ++i) {
        if (is_datamovement(static_cast<RefComponent>(i))) {
            s += pj[i];
        }
    }
    return s;
}

OpCost GemmCost::to_op_cost() const {
    using C = EnergyComponent;
    using R = RefComponent;
    const GemmCost& g = *this;
    OpCost c;
    c.compute_cycles = compute_cycles;
    c.memory_cycles = memory_cycles;
    c.latency_s = latency_ms * 1e-3;
    c.compute_s = compute_ms * 1e-3;
    EnergyPj& e = c.energy;
    e[C::laser] = g[R::laser];
    e[C::dac] = g[R::dac_1] + g[R::dac_2];
    e[C::modulator] = g[R::tx_1] + g[R::tx_2] + g[R::phase_shifter];
    // MRR and MZI report detector + TIA as one "RX": split by their per-event energies.
    e[C::detector] = g[R::rx_detector] + g[R::rx] * rx_detector_fraction;
    e[C::tia] = g[R::rx_tia] + g[R::rx] * (1.0 - rx_detector_fraction);
    e[C::adc] = g[R::adc];
    e[C::adder] = g[R::adder];
    e[C::sram_rf] = g[R::rf];
    e[C::sram_lb] = g[R::lb];
    e[C::sram_gb] = g[R::gb];
    e[C::dram] = g[R::dram];
    return c;
}

}  // namespace ltdes::photonic
