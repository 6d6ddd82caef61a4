// SPDX-License-Identifier: MIT
#include "ltdes/photonic/area_power.hpp"

#include "ltdes/core/error.hpp"
#include "ltdes/photonic/device_energies.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace ltdes::photonic {

namespace {

// CACTI figures of the reference (mm² and mW) for the 2 MB global buffer (for 4 tiles), a 4 KB
// local buffer and a 256 B buffer.
constexpr double kGbAreaMm2 = 14.348352;
constexpr double kLbAreaMm2 = 0.0683105;
constexpr double kSmallAreaMm2 = 0.000305237;
constexpr double kGbPowerMw = 315.2512;
constexpr double kLbPowerMw = 0.172725;
constexpr double kSmallPowerMw = 0.0154;
constexpr double kAdcAreaUm2 = 2850.0;
constexpr double kDacAreaUm2 = 11000.0;
constexpr double kAdderAreaUm2 = 0.00024e6 / 2.7;
constexpr double kMm2 = 1e6;

double yb_tree(const ArchSpec& a, double n) {
    return a.y_branch.length_um * std::ceil(std::log2(n) + 1.0) * a.y_branch.width_um * n;
}

AreaPowerReport dota(const ArchSpec& a) {
    const DeviceEnergies dev = DeviceEnergies::from(a);
    const double h = a.height;
    const double w = a.width;
    const double l = a.num_wavelength;
    const double t = a.num_tiles;
    const double p = a.num_pe_per_tile;
    const double node_w = a.y_branch.length_um + a.phase_shifter.length_um +
                          a.direction_coupler.length_um + a.photodetector.width_um + 30.0;
    const double node_h = a.y_branch.length_um +
                          std::max({a.phase_shifter.width_um, a.direction_coupler.width_um,
                                    2.0 * a.photodetector.length_um}) +
                          20.0;
    const double yb_area = a.y_branch.length_um * a.y_branch.width_um;
    const double core =
        h * w * node_h * node_w * t * p + (yb_area + yb_tree(a, h) + yb_tree(a, w)) * t * p;
    // Shared M2 modulators: one bank per PE column broadcast to all tiles with input sharing.
    const double m2_copies = a.input_mod_sharing ? p : p * t;
    const double adc_copies = a.adc_share ? t : t * p;
    const double mzm_area = a.mzi_modulator.length_um * a.mzi_modulator.width_um;
    const double mzm = mzm_area * h * l * t * p + mzm_area * w * l * m2_copies +
                       (h + w) * l * a.mrr_router.length_um * a.mrr_router.width_um * 2.0 * t * p;
    const double dac = kDacAreaUm2 * h * l * t * p + kDacAreaUm2 * w * l * m2_copies;
    const double adc = kAdcAreaUm2 * h * w * adc_copies;
    const double tia = a.tia_area_um2 * h * w * adc_copies;
    const double laser = a.laser.length_um * a.laser.width_um * (t + p);
    const double comb = a.micro_comb.length_um * a.micro_comb.width_um * (t + p);
    const double mem = kMm2 * (kGbAreaMm2 * t / 4.0 + kLbAreaMm2 * t + kLbAreaMm2 +
                               kSmallAreaMm2 * 2.0 * t + kSmallAreaMm2 * (t * p + p));
    const double adder = kAdderAreaUm2 * t * h * w;

    const double mod_mw =
        a.mzi_modulator.static_power_mw + dev.mod_dyn_power_mw + 2.0 * a.mrr_router.static_power_mw;
    const double p_laser = chip_laser_power_mw(a);
    const double p_mzm = h * l * t * p * mod_mw + w * l * m2_copies * mod_mw;
    const double p_dac = dev.dac_power_mw * h * l * t * p + dev.dac_power_mw * w * l * m2_copies;
    const double p_adc = dev.adc_power_mw * h * w * adc_copies;
    const double p_pd = t * p * h * w * a.photodetector.power_mw * 2.0;
    const double p_tia = a.tia_power_mw * h * w * adc_copies;
    const double p_adder = kAdderPowerMw * t * h * w;
    const double p_mem = kGbPowerMw * t / 4.0 + t * (kLbPowerMw + 2.0 * kSmallPowerMw) +
                         kSmallPowerMw * t * p + kLbPowerMw + kSmallPowerMw * m2_copies;

    AreaPowerReport r;
    r.total_area_um2 = laser + dac + mzm + adc + tia + core + adder + mem + comb;
    r.corrected_total_area_um2 = r.total_area_um2;
    r.total_power_mw = p_laser + p_dac + p_mzm + p_adc + p_tia + p_adder + p_mem + p_pd;
    r.rows = {{"total", r.total_area_um2, r.total_power_mw},
              {"laser", laser, p_laser},
              {"DAC", dac, p_dac},
              {"MZM", mzm, p_mzm},
              {"ADC", adc, p_adc},
              {"TIA", tia, p_tia},
              {"photonic_core", core, std::nullopt},
              {"adder", adder, p_adder},
              {"mem", mem, p_mem},
              {"micro_comb", comb, std::nullopt},
              {"Photodetector", std::nullopt, p_pd}};
    r.peak_tops = 2.0 * h * w * l * t * p * a.work_freq_ghz * 1e-3;
    return r;
}

AreaPowerReport mrr_bank(const ArchSpec& a) {
    const double h = a.height;
    const double w = a.width;
    const double t = a.num_tiles;
    const double p = a.num_pe_per_tile;
    const ModulatorSpec& ring = a.mrr_modulator;
    const double bank_w = w * (ring.length_um + 5.0) + a.photodetector.width_um + 5.0;
    const double bank_h = std::max(ring.width_um, 2.0 * a.photodetector.length_um);
    const double bank = bank_h * bank_w * h + w * (ring.length_um + 5.0) * ring.width_um;
    const double core = (bank + yb_tree(a, h)) * t * p;
    const double adc = kAdcAreaUm2 * h * t * p;
    const double dac = kDacAreaUm2 * (h * w + w) * t * p;
    const double tia = a.tia_area_um2 * w * t * p;
    const double laser = a.laser.length_um * a.laser.width_um * t;
    const double comb = a.micro_comb.length_um * a.micro_comb.width_um * t;
    const double mem = kMm2 * (kGbAreaMm2 * t / 4.0 + kLbAreaMm2 * 2.0 * t +
                               kSmallAreaMm2 * 2.0 * t + kSmallAreaMm2 * t * p * 2.0);
    const double adder = kAdderAreaUm2 * t * h * w;
    AreaPowerReport r;
    r.total_area_um2 = laser + dac + adc + tia + core + adder + mem + comb;
    r.corrected_total_area_um2 = r.total_area_um2;
    r.rows = {{"total", r.total_area_um2, std::nullopt},
              {"laser", laser, std::nullopt},
              {"DAC", dac, std::nullopt},
              {"ADC", adc, std::nullopt},
              {"TIA", tia, std::nullopt},
              {"photonic_core", core, std::nullopt},
              {"adder", adder, std::nullopt},
              {"mem", mem, std::nullopt},
              {"micro_comb", comb, std::nullopt}};
    r.peak_tops = 2.0 * h * w * t * p * a.work_freq_ghz * 1e-3;
    return r;
}

AreaPowerReport mzi(const ArchSpec& a) {
    const double h = a.height;
    const double w = a.width;
    const double t = a.num_tiles;
    const double p = a.num_pe_per_tile;
    const double mzm_area = a.mzi_modulator.length_um * a.mzi_modulator.width_um;
    const double mesh = (w * (w - 1.0) + h * (h - 1.0)) / 2.0 * a.mzi.length_um * a.mzi.width_um +
                        std::max(h, w) * mzm_area +
                        h * a.photodetector.length_um * a.photodetector.width_um;
    const double yb = yb_tree(a, h);
    const double mzm = w * mzm_area;
    const double dac = kDacAreaUm2 * (w * (w - 1.0) + h * (h - 1.0) + std::max(h, w) + h) * t * p;
    const double adc = kAdcAreaUm2 * w * t * p;
    const double tia = a.tia_area_um2 * w * t * p;
    const double laser = a.laser.length_um * a.laser.width_um * t;
    const double mem = kMm2 * (kGbAreaMm2 * t / 4.0 + kLbAreaMm2 * 2.0 * t + kSmallAreaMm2 * t +
                               kSmallAreaMm2 * t * p * 2.0 + kSmallAreaMm2 * t);
    const double adder = kAdderAreaUm2 * t * h * w;
    const double core_row = (mesh + yb + mzm) * t * p;
    AreaPowerReport r;
    // The reference's total leaves out the input MZMs (§12 item 11).
    r.total_area_um2 = laser + dac + adc + tia + (mesh + yb) * t * p + adder + mem;
    r.corrected_total_area_um2 = r.total_area_um2 + mzm * t * p;
    r.rows = {{"total", r.total_area_um2, std::nullopt},
              {"laser", laser, std::nullopt},
              {"DAC", dac, std::nullopt},
              {"ADC", adc, std::nullopt},
              {"TIA", tia, std::nullopt},
              {"photonic_core", core_row, std::nullopt},
              {"adder", adder, std::nullopt},
              {"mem", mem, std::nullopt}};
    r.peak_tops = 2.0 * h * w * t * p * a.work_freq_ghz * 1e-3;
    return r;
}

}  // namespace

std::uint64_t global_buffer_bytes(const ArchSpec& arch) {
    return std::uint64_t{arch.num_tiles} * (std::uint64_t{2} << 20) /
           4;  // kGbAreaMm2's 2 MiB / 4 tiles
}

AreaPowerReport area_power(const ArchSpec& arch) {
    switch (arch.core_type) {
        case CoreType::dota:
            return dota(arch);
        case CoreType::mrrbank:
            return mrr_bank(arch);
        case CoreType::mzi:
            return mzi(arch);
        case CoreType::gpu:
            break;
    }
    throw UsageError(fmt::format(
        "{} is a gpu: area and power are reported for photonic chips only (the gpu's figures "
        "are in its arch file)",
        arch.name));
}

double chip_laser_power_mw(const ArchSpec& arch) {
    if (arch.core_type == CoreType::gpu) {
        return 0.0;  // no laser: the GPU's power is charged per op (GpuSpec::static_power_w)
    }
    return static_cast<double>(arch.num_tiles) * static_cast<double>(arch.num_pe_per_tile) *
           DeviceEnergies::from(arch).laser_power_mw;
}

}  // namespace ltdes::photonic
