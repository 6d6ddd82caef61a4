// SPDX-License-Identifier: MIT
#include "ltdes/photonic/device_energies.hpp"

#include <algorithm>
#include <cmath>

namespace ltdes::photonic {

namespace {

// Reference operating points of the only ADC/DAC models defined (docs/model.md).
constexpr double kDacRefPowerMw = 50.0;
constexpr double kDacRefGhz = 14.0;
constexpr double kAdcRefPowerMw = 14.8;
constexpr double kAdcRefGhz = 10.0;
constexpr double kRefBits = 8.0;

double ceil_log2(double x) {
    return std::ceil(std::log2(x));
}

// Link budget of one core (docs/model.md): insertion losses of the modulation path and of
// the compute path, plus the optical fan-out.
double link_budget_laser_mw(const ArchSpec& a) {
    const double h = a.height;
    const double w = a.width;
    double il_mod = 0.0;
    double il_comp = 0.0;
    double fanout = 1.0;
    switch (a.core_type) {
        case CoreType::dota:
            il_mod = a.mzi_modulator.insertion_loss_db + 2.0 * a.mrr_router.insertion_loss_db +
                     a.y_branch.insertion_loss_db * ceil_log2(std::max(h, w));
            il_comp = a.y_branch.insertion_loss_db + a.phase_shifter.insertion_loss_db +
                      a.direction_coupler.insertion_loss_db;
            fanout = h * w;
            break;
        case CoreType::mrrbank:
            il_mod = a.mrr_modulator.insertion_loss_uc_db * (w - 1.0) +
                     a.mrr_modulator.insertion_loss_db +
                     a.y_branch.insertion_loss_db * ceil_log2(h);
            il_comp = a.mrr_modulator.insertion_loss_uc_db * (w - 1.0) +
                      a.mrr_modulator.insertion_loss_db;
            fanout = h;
            break;
        case CoreType::mzi:
            il_mod = a.mzi_modulator.insertion_loss_db;
            il_comp = a.mzi.insertion_loss_db * (h + w) + a.mzi.insertion_loss_db;
            fanout = w;
            break;
        case CoreType::gpu:
            return 0.0;  // no optics
    }
    const double dbm =
        a.photodetector.sensitivity_dbm + il_mod + il_comp + 10.0 * std::log10(fanout);
    return std::pow(10.0, dbm / 10.0) / a.laser.wall_plug_eff * std::pow(2.0, a.act_bit);
}

}  // namespace

double dac_power_mw(unsigned bits, double freq_ghz) {
    const double b = bits;
    return kDacRefPowerMw * ((std::pow(2.0, b) / b) / (std::pow(2.0, kRefBits) / kRefBits)) *
           freq_ghz / kDacRefGhz;
}

double adc_power_mw(unsigned bits, double freq_ghz) {
    return kAdcRefPowerMw * (freq_ghz / kAdcRefGhz) * (static_cast<double>(bits) / kRefBits);
}

DeviceEnergies DeviceEnergies::from(const ArchSpec& a) {
    const double f = a.work_freq_ghz;
    DeviceEnergies e;
    e.laser_power_mw = link_budget_laser_mw(a);
    e.dac_power_mw = photonic::dac_power_mw(a.in_bit, f);
    e.adc_power_mw = photonic::adc_power_mw(a.act_bit, f);
    e.laser_pj = e.laser_power_mw / f;
    e.dac_pj = e.dac_power_mw / f;
    e.adc_pj = e.adc_power_mw / f;
    // One symbol per cycle: dynamic power does not depend on the bit width.
    e.mod_dyn_power_mw = a.mzi_modulator.energy_per_bit_fj * f * 1e-3;
    const double ring_dyn_mw = a.mrr_modulator.energy_per_bit_fj * f * 1e-3;
    const double mzi_dyn_mw = a.mzi.energy_per_bit_fj * f * 1e-3;
    switch (a.core_type) {
        case CoreType::dota:
            e.tx_pj = (e.mod_dyn_power_mw + a.mzi_modulator.static_power_mw +
                       2.0 * a.mrr_router.static_power_mw) /
                      f;
            break;
        case CoreType::mrrbank:
            e.tx_pj = (a.mrr_modulator.static_power_mw +
                       ring_dyn_mw * static_cast<double>(a.in_bit) / static_cast<double>(a.w_bit)) /
                      f;
            break;
        case CoreType::mzi:
            e.tx_pj = (e.mod_dyn_power_mw + a.mzi_modulator.static_power_mw) / f;
            break;
        case CoreType::gpu:
            break;
    }
    e.pd_pj = 2.0 * a.photodetector.power_mw / f;
    e.tia_pj = a.tia_power_mw / f;
    e.rx_pj = e.pd_pj + e.tia_pj;
    e.ps_pj = (a.phase_shifter.dynamic_power_mw + a.phase_shifter.static_power_mw) / f;
    e.adder_pj = kAdderPowerMw / f;
    e.ring_static_pj = a.mrr_modulator.static_power_mw / f;
    e.ring_dyn_pj = ring_dyn_mw / f;
    e.mzi_dyn_pj = mzi_dyn_mw / f;
    e.mzi_static_pj = a.mzi.static_power_mw / f;
    return e;
}

}  // namespace ltdes::photonic
