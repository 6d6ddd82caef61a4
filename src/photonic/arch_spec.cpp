// SPDX-License-Identifier: MIT
#include "ltdes/photonic/arch_spec.hpp"

#include "ltdes/core/error.hpp"

#include <fmt/format.h>

#include <array>
#include <cmath>

namespace ltdes::photonic {

namespace {

constexpr std::array<std::string_view, 4> kCoreTypeNames = {"dota", "mrrbank", "mzi", "gpu"};
constexpr std::array<std::string_view, 3> kOptFlagNames = {"arch_opt", "crossbar", "broadcast"};

// Reference sample rates of the only ADC/DAC models defined (docs/model.md): a faster work
// frequency is an error in the reference too.
constexpr double kAdcReferenceGhz = 10.0;
constexpr double kDacReferenceGhz = 14.0;
constexpr std::uint32_t kMaxBits = 8;

class Checker {
public:
    explicit Checker(std::string_view where) : where_(where) {}

    [[noreturn]] void fail(std::string_view key, std::string_view what) const {
        throw ConfigError(fmt::format("{}: {}: {}", where_, key, what));
    }

    void at_least(std::string_view key, double v, double lo) const {
        if (!(v >= lo) || !std::isfinite(v)) {
            fail(key, fmt::format("must be a finite number >= {} (got {})", lo, v));
        }
    }

    void positive(std::string_view key, double v) const {
        if (!(v > 0.0) || !std::isfinite(v)) {
            fail(key, fmt::format("must be a finite number > 0 (got {})", v));
        }
    }

    void range(std::string_view key, std::uint64_t v, std::uint64_t lo, std::uint64_t hi) const {
        if (v < lo || v > hi) {
            fail(key, fmt::format("must be between {} and {} (got {})", lo, hi, v));
        }
    }

    void modulator(std::string_view base, const ModulatorSpec& m) const {
        at_least(fmt::format("{}.energy_per_bit", base), m.energy_per_bit_fj, 0.0);
        at_least(fmt::format("{}.static_power", base), m.static_power_mw, 0.0);
        at_least(fmt::format("{}.length", base), m.length_um, 0.0);
        at_least(fmt::format("{}.width", base), m.width_um, 0.0);
        at_least(fmt::format("{}.insertion_loss", base), m.insertion_loss_db, 0.0);
        at_least(fmt::format("{}.insertion_loss_uc", base), m.insertion_loss_uc_db, 0.0);
        at_least(fmt::format("{}.response_time", base), m.response_time_ms, 0.0);
    }

    void passive(std::string_view base, const PassiveSpec& p) const {
        at_least(fmt::format("{}.static_power", base), p.static_power_mw, 0.0);
        at_least(fmt::format("{}.dynamic_power", base), p.dynamic_power_mw, 0.0);
        at_least(fmt::format("{}.insertion_loss", base), p.insertion_loss_db, 0.0);
        at_least(fmt::format("{}.length", base), p.length_um, 0.0);
        at_least(fmt::format("{}.width", base), p.width_um, 0.0);
    }

private:
    std::string_view where_;
};

// The roofline's figures (docs/model.md): peaks and bandwidths must be positive, bounded far
// above any real part so that no cost overflows.
void validate_gpu(const ArchSpec& a, const Checker& c) {
    const GpuSpec& gpu = a.gpu;
    const std::uint32_t in_bit = a.in_bit;
    if (in_bit != 16 && in_bit != 8 && in_bit != 4) {
        c.fail("core.precision.in_bit",
               fmt::format("a gpu computes at 16, 8 or 4 bits (got {})", in_bit));
    }
    if (!(a.gpu_tensor_flops() > 0.0)) {
        c.fail(in_bit == 16 ? "gpu.tensor_tflops_16" : fmt::format("gpu.tensor_tops_{}", in_bit),
               fmt::format("must be given (> 0) for a gpu at {} bits", in_bit));
    }
    const auto bounded = [&c](std::string_view key, double v, double hi) {
        if (v > hi) {
            c.fail(key, fmt::format("must be <= {} (got {})", hi, v));
        }
    };
    bounded("gpu.tensor_tflops_16", gpu.tensor_tflops_16, 1e6);
    bounded("gpu.tensor_tops_8", gpu.tensor_tops_8, 1e6);
    bounded("gpu.tensor_tops_4", gpu.tensor_tops_4, 1e6);
    c.positive("gpu.vector_tflops", gpu.vector_tflops);
    bounded("gpu.vector_tflops", gpu.vector_tflops, 1e6);
    c.positive("gpu.hbm_bandwidth_gbs", gpu.hbm_bandwidth_gbs);
    bounded("gpu.hbm_bandwidth_gbs", gpu.hbm_bandwidth_gbs, 1e7);
    c.positive("gpu.hbm_capacity_gib", gpu.hbm_capacity_gib);
    bounded("gpu.hbm_capacity_gib", gpu.hbm_capacity_gib, 1e7);
    c.at_least("gpu.launch_overhead_us", gpu.launch_overhead_us, 0.0);
    bounded("gpu.launch_overhead_us", gpu.launch_overhead_us, 1e6);
    c.at_least("gpu.pj_per_flop", gpu.pj_per_flop, 0.0);
    c.at_least("gpu.pj_per_byte", gpu.pj_per_byte, 0.0);
    c.at_least("gpu.static_power_w", gpu.static_power_w, 0.0);
}

}  // namespace

std::string_view core_type_name(CoreType t) {
    return kCoreTypeNames[static_cast<std::size_t>(t)];
}

std::optional<CoreType> parse_core_type(std::string_view s) {
    for (std::size_t i = 0; i < kCoreTypeNames.size(); ++i) {
        if (kCoreTypeNames[i] == s) {
            return static_cast<CoreType>(i);
        }
    }
    return std::nullopt;
}

std::string_view opt_flag_name(OptFlag f) {
    return kOptFlagNames[static_cast<std::size_t>(f)];
}

std::optional<OptFlag> parse_opt_flag(std::string_view s) {
    for (std::size_t i = 0; i < kOptFlagNames.size(); ++i) {
        if (kOptFlagNames[i] == s) {
            return static_cast<OptFlag>(i);
        }
    }
    return std::nullopt;
}

OptFlag parse_opt_option(std::string_view s) {
    const auto flag = parse_opt_flag(s);
    if (!flag) {
        throw UsageError(
            fmt::format("--opt: expected arch_opt, crossbar or broadcast, got '{}'", s));
    }
    return *flag;
}

void ArchSpec::validate(std::string_view where) const {
    const Checker c(where);
    c.modulator("device.mzi_modulator", mzi_modulator);
    c.modulator("device.mrr_modulator", mrr_modulator);
    c.modulator("device.mzi", mzi);
    c.passive("device.mrr_router", mrr_router);
    c.passive("device.phase_shifter", phase_shifter);
    c.passive("device.direction_coupler", direction_coupler);
    c.passive("device.y_branch", y_branch);
    c.passive("device.micro_comb", micro_comb);
    c.at_least("device.photo_detector.power", photodetector.power_mw, 0.0);
    c.at_least("device.photo_detector.length", photodetector.length_um, 0.0);
    c.at_least("device.photo_detector.width", photodetector.width_um, 0.0);
    if (!std::isfinite(photodetector.sensitivity_dbm)) {
        c.fail("device.photo_detector.sensitivity", "must be a finite number (dBm)");
    }
    c.at_least("device.laser.power", laser.power_mw, 0.0);
    c.at_least("device.laser.length", laser.length_um, 0.0);
    c.at_least("device.laser.width", laser.width_um, 0.0);
    c.positive("device.laser.wall_plug_eff", laser.wall_plug_eff);
    if (laser.wall_plug_eff > 1.0) {
        c.fail("device.laser.wall_plug_eff",
               fmt::format("must be <= 1 (got {})", laser.wall_plug_eff));
    }

    constexpr std::uint64_t kMaxDim = 1u << 16;
    c.range("core.width", width, 1, kMaxDim);
    c.range("core.height", height, 1, kMaxDim);
    c.range("core.num_wavelength", num_wavelength, 1, kMaxDim);
    c.positive("core.work_freq", work_freq_ghz);
    if (work_freq_ghz > kAdcReferenceGhz) {
        c.fail("core.work_freq",
               fmt::format("must be <= {} GHz, the ADC model's reference sample rate (got {})",
                           kAdcReferenceGhz, work_freq_ghz));
    }
    static_assert(kDacReferenceGhz > kAdcReferenceGhz);
    c.range("core.interface.ADC.choice", adc_choice, 1, 1);
    c.range("core.interface.ADC.sharing_factor", adc_sharing_factor, 1, kMaxDim);
    c.range("core.interface.DAC.choice", dac_choice, 1, 1);
    c.at_least("core.interface.TIA.power", tia_power_mw, 0.0);
    c.at_least("core.interface.TIA.area", tia_area_um2, 0.0);
    if (core_type == CoreType::gpu) {
        validate_gpu(*this, c);
    } else {
        c.range("core.precision.in_bit", in_bit, 1, kMaxBits);
        c.range("core.precision.w_bit", w_bit, 1, kMaxBits);
        c.range("core.precision.act_bit", act_bit, 1, kMaxBits);
    }

    c.range("arch.num_tiles", num_tiles, 1, kMaxDim);
    c.range("arch.num_pe_per_tile", num_pe_per_tile, 1, kMaxDim);
    if (core_type == CoreType::mrrbank && full_range_support_factor != 2 &&
        full_range_support_factor != 4) {
        // frs // 2 for S·V would be 0 with frs = 1 (docs/model.md).
        c.fail(
            "arch.full_range_support_factor",
            fmt::format("must be 2 or 4 for an mrrbank core (got {})", full_range_support_factor));
    }
    c.range("arch.full_range_support_factor", full_range_support_factor, 1, 4);
    if (weight_reuse_factor == 0 || weight_reuse_factor < -1) {
        c.fail("arch.weight_reuse_factor",
               fmt::format("must be -1 (fully weight-stationary) or >= 1 (got {})",
                           weight_reuse_factor));
    }
    c.range("arch.time_accum_factor", time_accum_factor, 1, kMaxDim);
    c.at_least("arch.datamovement.DRAM", datamovement.dram_mj, 0.0);
    c.at_least("arch.datamovement.DRAM_GB", datamovement.dram_gb_mj, 0.0);
    c.at_least("arch.datamovement.GB2", datamovement.gb2_mj, 0.0);
    c.at_least("arch.datamovement.GB1", datamovement.gb1_mj, 0.0);
    c.at_least("arch.datamovement.NoC", datamovement.noc_mj, 0.0);
    c.at_least("arch.datamovement.RF", datamovement.rf_mj, 0.0);
    c.range("arch.memory_size.M2_buffer_size", m2_buffer_size_bytes, 1, 1u << 30);
}

double ArchSpec::gpu_tensor_flops() const {
    switch (in_bit) {
        case 16:
            return gpu.tensor_tflops_16 * 1e12;
        case 8:
            return gpu.tensor_tops_8 * 1e12;
        case 4:
            return gpu.tensor_tops_4 * 1e12;
        default:
            return 0.0;
    }
}

void ArchSpec::apply_opt(OptFlag flag) {
    if (core_type != CoreType::dota) {
        // The baselines' simulators force these whatever the YAML says.
        time_accum_factor = 1;
        input_mod_sharing = false;
        adc_share = false;
        disable_crossbar_topology = false;
        weight_reuse_factor = -1;
        return;
    }
    full_range_support_factor = 1;
    weight_reuse_factor = 1;
    switch (flag) {
        case OptFlag::arch_opt:
            disable_crossbar_topology = false;
            input_mod_sharing = true;
            adc_share = true;
            time_accum_factor = 3;
            break;
        case OptFlag::crossbar:
            disable_crossbar_topology = false;
            input_mod_sharing = false;
            adc_share = false;
            time_accum_factor = 1;
            break;
        case OptFlag::broadcast:
            disable_crossbar_topology = true;
            input_mod_sharing = false;
            adc_share = false;
            time_accum_factor = 1;
            break;
    }
}

}  // namespace ltdes::photonic
