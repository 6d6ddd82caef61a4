// SPDX-License-Identifier: MIT
// `lt-des profile`: chip area and peak power as the reference's area/power entry reports them
// (docs/model.md), plus throughput figures in the table format.
#include "cli/commands.hpp"
#include "cli/options.hpp"

#include "ltdes/config/arch_loader.hpp"
#include "ltdes/core/error.hpp"
#include "ltdes/photonic/area_power.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <string>

namespace ltdes::cli {

namespace {

constexpr double kUm2PerMm2 = 1e6;

cxxopts::Options profile_options() {
    cxxopts::Options o("lt-des profile", "Area and power of one photonic chip");
    o.add_options()("arch", "arch YAML or built-in name (default Dota_B_4bit)",
                    cxxopts::value<std::string>())(
        "format", "table|csv", cxxopts::value<std::string>()->default_value("table"))(
        "h,help", "print this help");
    return o;
}

std::string cell(const std::optional<double>& v, double scale) {
    return v ? fmt::format("{}", *v * scale) : std::string();
}

int run_profile(const cxxopts::ParseResult& args) {
    const std::string format = args["format"].as<std::string>();
    if (format != "table" && format != "csv") {
        throw UsageError(fmt::format("--format must be table or csv, not '{}'", format));
    }
    // The reference's area entry uses the YAML's own flags: no --opt here.
    const photonic::ArchSpec arch =
        config::load_arch(args.count("arch") != 0 ? args["arch"].as<std::string>()
                                                  : std::string(config::kDefaultArchName));
    const photonic::AreaPowerReport r = photonic::area_power(arch);
    std::string s;
    if (format == "csv") {
        s = "component,area_mm2,power_mW\n";
        for (const auto& row : r.rows) {
            s += fmt::format("{},{},{}\n", row.component, cell(row.area_um2, 1.0 / kUm2PerMm2),
                             cell(row.power_mw, 1.0));
        }
        std::fputs(s.c_str(), stdout);
        return 0;
    }
    s = fmt::format("{} ({}, {} tiles x {} cores of {}x{}{}, {} GHz, {}-bit)\n", arch.name,
                    photonic::core_type_name(arch.core_type), arch.num_tiles, arch.num_pe_per_tile,
                    arch.height, arch.width,
                    arch.core_type == photonic::CoreType::dota
                        ? fmt::format("x{}", arch.num_wavelength)
                        : std::string(),
                    arch.work_freq_ghz, arch.in_bit);
    s += fmt::format("{:<16} {:>14} {:>14}\n", "component", "area_mm2", "power_mW");
    for (const auto& row : r.rows) {
        s += fmt::format("{:<16} {:>14} {:>14}\n", row.component,
                         row.area_um2 ? fmt::format("{:.6f}", *row.area_um2 / kUm2PerMm2) : "-",
                         row.power_mw ? fmt::format("{:.3f}", *row.power_mw) : "-");
    }
    if (r.corrected_total_area_um2 != r.total_area_um2) {
        s += fmt::format("{:<16} {:>14.6f}   (input MZMs included; the reference omits them)\n",
                         "total_corrected", r.corrected_total_area_um2 / kUm2PerMm2);
    }
    const double area_mm2 = r.corrected_total_area_um2 / kUm2PerMm2;
    s += fmt::format("\npeak TOPS        {:.4f}\n", r.peak_tops);
    if (r.total_power_mw) {
        s += fmt::format("TOPS/W           {:.4f}\n", r.peak_tops / (*r.total_power_mw * 1e-3));
    } else {
        s += "TOPS/W           -   (the reference has no power model for this core)\n";
    }
    s += fmt::format("TOPS/mm2         {:.4f}\n", r.peak_tops / area_mm2);
    std::fputs(s.c_str(), stdout);
    return 0;
}

}  // namespace

int cmd_profile(int argc, char** argv) {
    auto options = profile_options();
    return run_guarded([&] {
        const auto args = parse_or_throw(options, argc, argv);
        if (args.count("help") != 0) {
            fmt::print("{}", options.help());
            return 0;
        }
        return run_profile(args);
    });
}

}  // namespace ltdes::cli
