// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ltdes::photonic {

/// Which tensor core an arch config describes (YAML `core.type`): one of the photonic cores, or
/// `gpu`, the electronic baseline costed as a roofline (GpuSpec, docs/model.md).
enum class CoreType : std::uint8_t { dota, mrrbank, mzi, gpu };

/// Name of a core type as written in YAML ("dota", "mrrbank", "mzi", "gpu").
std::string_view core_type_name(CoreType t);

/// Parses a YAML `core.type` value; nullopt when unknown.
std::optional<CoreType> parse_core_type(std::string_view s);

/// The DOTA optimisation modes of the reference's entry script (docs/model.md).
enum class OptFlag : std::uint8_t { arch_opt, crossbar, broadcast };

/// Name of a flag ("arch_opt", "crossbar", "broadcast").
std::string_view opt_flag_name(OptFlag f);

/// Parses a `--opt` value; nullopt when unknown.
std::optional<OptFlag> parse_opt_flag(std::string_view s);

/// The one `--opt` parser of every command: throws ltdes::UsageError
/// "--opt: expected arch_opt, crossbar or broadcast, got '<s>'" when `s` is not a flag name.
OptFlag parse_opt_option(std::string_view s);

/// A modulator or MZI element (YAML `device.mzi_modulator`, `device.mrr_modulator`,
/// `device.mzi`). Lengths in µm, powers in mW, losses in dB.
struct ModulatorSpec {
    double energy_per_bit_fj = 0.0;
    double static_power_mw = 0.0;
    double length_um = 0.0;
    double width_um = 0.0;
    double insertion_loss_db = 0.0;
    double insertion_loss_uc_db = 0.0;  ///< uncoupled pass-by loss (rings only)
    double response_time_ms = 0.0;      ///< reprogramming time (MZI mesh element only)

    bool operator==(const ModulatorSpec&) const = default;
};

/// A passive or simple device: power in mW, loss in dB, size in µm.
struct PassiveSpec {
    double static_power_mw = 0.0;
    double dynamic_power_mw = 0.0;
    double insertion_loss_db = 0.0;
    double length_um = 0.0;
    double width_um = 0.0;

    bool operator==(const PassiveSpec&) const = default;
};

/// Photodetector: power per detector (mW), sensitivity (dBm), size (µm).
struct PhotodetectorSpec {
    double power_mw = 0.0;
    double sensitivity_dbm = 0.0;
    double length_um = 0.0;
    double width_um = 0.0;

    bool operator==(const PhotodetectorSpec&) const = default;
};

/// Laser: the YAML power is ignored by the model (the link budget sets it, docs/model.md).
struct LaserSpec {
    double power_mw = 0.0;
    double length_um = 0.0;
    double width_um = 0.0;
    double wall_plug_eff = 1.0;

    bool operator==(const LaserSpec&) const = default;
};

/// Per-access data-movement energies in the reference's unit: mJ per 2-byte access.
struct DataMovementSpec {
    double dram_mj = 0.0;     ///< `DRAM`: weight fetch of MRR/MZI, KV cache and lookups
    double dram_gb_mj = 0.0;  ///< `DRAM_GB`: DOTA weight fetch
    double gb2_mj = 0.0;      ///< global SRAM ("GB")
    double gb1_mj = 0.0;      ///< local buffer ("LB")
    double noc_mj = 0.0;      ///< partial-sum transport (counted inside "RF")
    double rf_mj = 0.0;       ///< register file

    bool operator==(const DataMovementSpec&) const = default;
};

/// An electronic accelerator (YAML section `gpu:`, used when `core.type: gpu`): the roofline
/// figures of its data sheet plus the energy model of docs/model.md. Zero = not given.
struct GpuSpec {
    double tensor_tflops_16 = 0.0;    ///< dense FP16/BF16 tensor-core peak, TFLOP/s
    double tensor_tops_8 = 0.0;       ///< dense INT8 (or FP8) tensor-core peak, TOP/s; 0 = none
    double tensor_tops_4 = 0.0;       ///< dense INT4 tensor-core peak, TOP/s; 0 = none
    double vector_tflops = 0.0;       ///< FP16 non-tensor peak (element-wise ops), TFLOP/s
    double hbm_bandwidth_gbs = 0.0;   ///< HBM bandwidth, GB/s (1e9 bytes/s)
    double hbm_capacity_gib = 0.0;    ///< HBM capacity, GiB
    double launch_overhead_us = 0.0;  ///< added to every kernel (op), µs
    double pj_per_flop = 0.0;         ///< dynamic energy per FLOP (tensor or vector), pJ
    double pj_per_byte = 0.0;         ///< HBM access energy per byte, pJ
    double static_power_w = 0.0;      ///< power charged for every second an op runs, W

    bool operator==(const GpuSpec&) const = default;
};

/// One photonic chip's configuration in the authors' schema (`device:`, `core:`, `arch:`).
/// Plain struct: member defaults equal the reference's `default.yaml`, which the loader merges
/// first anyway. Invariants are checked by validate().
struct ArchSpec {
    std::string name;  ///< config name (file stem), e.g. "Dota_B_4bit"

    // device:
    ModulatorSpec mzi_modulator{450.0, 0.0, 260.0, 20.0, 1.2, 0.0, 0.0};
    ModulatorSpec mrr_modulator{42.0, 1.2, 9.66, 9.66, 0.95, 0.1, 0.0};
    PassiveSpec mrr_router{0.275, 0.0, 0.93, 4.8, 4.8};
    PassiveSpec phase_shifter{0.0, 0.0, 0.33, 100.0, 45.0};
    PassiveSpec direction_coupler{0.0, 0.0, 0.33, 5.25, 2.4};
    PhotodetectorSpec photodetector{1.1, -25.0, 4.0, 10.0};
    ModulatorSpec mzi{450.0, 0.0, 180.0, 100.0, 0.99, 0.0, 2.0e-3};
    LaserSpec laser{23.5, 400.0, 300.0, 0.2};
    PassiveSpec y_branch{0.0, 0.0, 0.1, 1.8, 1.3};
    PassiveSpec micro_comb{0.0, 0.0, 0.0, 1184.0, 1184.0};

    // core:
    CoreType core_type = CoreType::dota;
    std::uint32_t width = 12;           ///< W: core columns
    std::uint32_t height = 12;          ///< H: core rows
    std::uint32_t num_wavelength = 12;  ///< L: WDM wavelengths per core (DOTA only)
    double work_freq_ghz = 5.0;         ///< f
    std::uint32_t adc_choice = 1;
    std::uint32_t adc_sharing_factor = 1;
    std::uint32_t dac_choice = 1;
    double tia_power_mw = 3.0;
    double tia_area_um2 = 50.0;
    std::uint32_t in_bit = 4;
    std::uint32_t w_bit = 4;
    std::uint32_t act_bit = 4;

    // arch:
    std::uint32_t num_tiles = 4;        ///< T
    std::uint32_t num_pe_per_tile = 2;  ///< P
    std::uint32_t full_range_support_factor = 1;
    std::int64_t weight_reuse_factor = -1;  ///< -1: resolved to N2 of each GEMM
    std::uint32_t time_accum_factor = 1;
    bool input_mod_sharing = true;
    bool adc_share = true;
    bool disable_crossbar_topology = false;  ///< set by `--opt broadcast`, not by YAML
    DataMovementSpec datamovement{62.4e-9, 62.4e-9, 1.655e-9, 0.92e-9, 2.0e-9, 0.073e-9};
    std::uint32_t m2_buffer_size_bytes = 4096;

    GpuSpec gpu;  ///< `gpu:` (only read when core_type is gpu)

    /// Dense tensor peak at the arch precision `in_bit` (16, 8 or 4 bits), in FLOP/s; 0 when
    /// the GPU has no tensor path at that precision. Only meaningful for a gpu core.
    double gpu_tensor_flops() const;

    /// Throws ConfigError naming `where` (a file) and the offending key path when a value is
    /// out of the range the model supports (e.g. 0 wavelengths, 9-bit ADC, negative power).
    void validate(std::string_view where) const;

    /// Applies `--opt` exactly as the reference's entry script does (docs/model.md), plus the
    /// values its simulators force: DOTA full_range_support_factor = weight_reuse_factor = 1;
    /// baselines time_accum_factor = 1, no input or ADC sharing, weight_reuse_factor = -1.
    /// Baselines ignore `flag` (they are reported as `broadcast`).
    void apply_opt(OptFlag flag);

    /// The flag a run with `--opt flag` is reported under (`broadcast` for baselines).
    bool operator==(const ArchSpec&) const = default;

    OptFlag reported_flag(OptFlag flag) const {
        return core_type == CoreType::dota ? flag : OptFlag::broadcast;
    }
};

}  // namespace ltdes::photonic
