// SPDX-License-Identifier: MIT
#pragma once

#include "ltdes/photonic/arch_spec.hpp"

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace ltdes::photonic {

/// One component of the area/power report; a value is absent where the reference defines none
/// (power of MRR/MZI, area of the photodetector row).
struct AreaPowerRow {
    std::string_view component;  ///< the reference's names: total, laser, DAC, MZM, ...
    std::optional<double> area_um2;
    std::optional<double> power_mw;
};

/// The reference's area/power profile of one chip (docs/model.md), peak power.
struct AreaPowerReport {
    std::vector<AreaPowerRow> rows;  ///< first row is `total`, then the reference's order
    double total_area_um2 = 0.0;     ///< as the reference reports it (MZI omits input MZMs)
    /// Total area with every component counted (differs from total_area_um2 for MZI only).
    double corrected_total_area_um2 = 0.0;
    std::optional<double> total_power_mw;  ///< DOTA only
    double peak_tops = 0.0;                ///< 2 · MACs per cycle (all cores) · f, tera-ops/s
};

/// Capacity of the chip's global buffer (SRAM) in bytes: the 2 MiB per 4 tiles that the area
/// and power model sizes (2 MiB for DOTA-B, 4 MiB for DOTA-L).
std::uint64_t global_buffer_bytes(const ArchSpec& arch);

/// Area and power with the YAML's own flags (the reference's area entry has no `--opt`).
AreaPowerReport area_power(const ArchSpec& arch);

/// Peak laser power of a whole chip in mW: the link-budget laser of every core on at once
/// (tiles × cores per tile × the per-core laser power). The laser row of the power report and
/// the power the `static` energy component charges while the cores idle (docs/energy.md).
double chip_laser_power_mw(const ArchSpec& arch);

}  // namespace ltdes::photonic
