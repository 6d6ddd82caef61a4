// SPDX-License-Identifier: MIT
#pragma once

#include "ltdes/photonic/arch_spec.hpp"

namespace ltdes::photonic {

/// Derived device quantities of one arch (docs/model.md): powers in mW, per-event energies in
/// pJ (= mW / GHz). Computed once per cost model; plain values, thread-safe to share.
struct DeviceEnergies {
    double laser_power_mw = 0.0;  ///< per core, from the link budget, × 2^act_bit
    double dac_power_mw = 0.0;
    double adc_power_mw = 0.0;
    double laser_pj = 0.0;  ///< per used core-cycle
    double dac_pj = 0.0;    ///< per conversion
    double adc_pj = 0.0;    ///< per conversion
    double tx_pj = 0.0;     ///< one input modulation (DOTA: MZM + 2 routers)
    double pd_pj = 0.0;     ///< DOTA: two balanced photodetectors per event
    double tia_pj = 0.0;
    double rx_pj = 0.0;  ///< two detectors + TIA (MRR, MZI "RX")
    double ps_pj = 0.0;  ///< phase shifter per MAC (DOTA in-core "comp")
    double adder_pj = 0.0;
    double ring_static_pj = 0.0;    ///< MRR weight ring, per MAC-slot
    double ring_dyn_pj = 0.0;       ///< MRR weight ring, per weight write
    double mzi_dyn_pj = 0.0;        ///< MZI element, per write
    double mzi_static_pj = 0.0;     ///< MZI element, per core-cycle
    double mod_dyn_power_mw = 0.0;  ///< MZM dynamic power (area/power report)

    /// Computes every quantity for `arch` (its core type decides the link budget).
    static DeviceEnergies from(const ArchSpec& arch);
};

/// DAC power (mW) at `bits` and `freq_ghz` (docs/model.md: ∝ 2^b / b, linear in f).
double dac_power_mw(unsigned bits, double freq_ghz);

/// SAR ADC power (mW) at `bits` and `freq_ghz` (docs/model.md: linear in b and f).
double adc_power_mw(unsigned bits, double freq_ghz);

/// Peak power of one adder (mW): ISAAC's 0.2 mW scaled to 14 nm.
inline constexpr double kAdderPowerMw = 0.2 / 4.39;

}  // namespace ltdes::photonic
