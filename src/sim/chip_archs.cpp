// SPDX-License-Identifier: MIT
#include "ltdes/sim/chip_archs.hpp"

#include "ltdes/config/arch_loader.hpp"
#include "ltdes/core/checked_time.hpp"
#include "ltdes/photonic/area_power.hpp"

#include <algorithm>
#include <filesystem>

namespace ltdes::sim {

ChipArchs::ChipArchs(const cluster::ClusterSpec& cluster,
                     const std::string& opt,
                     std::uint32_t chips)
    : opt_(photonic::parse_opt_option(opt)),
      chip_model_(chips, 0),
      mem_{cluster.dram.bandwidth_bps, cluster.dram.latency_ns * 1e-9},
      dram_capacity_gib_(cluster.dram.capacity_gib) {
    add(cluster.arch);
    for (const auto& o : cluster.chip_arch) {
        if (o.chip < chips) {
            chip_model_[o.chip] = add(o.arch);
        }
    }
}

std::size_t ChipArchs::add(const std::string& path) {
    const std::string source = path.empty() ? std::string(config::kDefaultArchName) : path;
    for (std::size_t i = 0; i < sources_.size(); ++i) {
        if (sources_[i] == source) {
            return i;
        }
    }
    sources_.push_back(source);
    archs_.push_back(config::load_arch(source));
    archs_.back().apply_opt(opt_);
    models_.push_back(photonic::make_cost_model(archs_.back(), photonic::CostOptions{false}));
    laser_mw_.push_back(photonic::chip_laser_power_mw(archs_.back()));
    return archs_.size() - 1;
}

double ChipArchs::capacity_gib(std::uint32_t chip) const {
    const photonic::ArchSpec& a = arch(chip);
    return a.core_type == photonic::CoreType::gpu ? a.gpu.hbm_capacity_gib : dram_capacity_gib_;
}

double ChipArchs::min_capacity_gib() const {
    double c = capacity_gib(0);
    for (std::uint32_t chip = 1; chip < chip_model_.size(); ++chip) {
        c = std::min(c, capacity_gib(chip));
    }
    return c;
}

cluster::OpCostFn ChipArchs::cost_fn(std::uint32_t chip) const {
    const photonic::CostModel* model = models_[chip_model_[chip]].get();
    const photonic::MemorySpec mem = mem_;
    return [model, mem](const workload::Op& op) {
        return cluster::op_timing(op, model->cost(op, mem), mem);
    };
}

std::uint64_t ChipArchs::sram_bytes(std::uint32_t chip) const {
    // A GPU's weights live in HBM (its roofline reads them at every use): nothing resident.
    const photonic::ArchSpec& a = arch(chip);
    return a.core_type == photonic::CoreType::gpu ? 0 : photonic::global_buffer_bytes(a);
}

std::vector<output::InputFile> ChipArchs::input_files() const {
    std::vector<output::InputFile> files;
    for (const std::string& s : sources_) {
        if (std::filesystem::is_regular_file(s)) {
            files.push_back({"arch", s});
        }
    }
    return files;
}

std::vector<output::ChipHardware> ChipArchs::hardware() const {
    std::vector<output::ChipHardware> rows;
    for (std::uint32_t c = 0; c < chip_model_.size(); ++c) {
        const photonic::ArchSpec& a = arch(c);
        rows.push_back({c, a.name, std::string(photonic::core_type_name(a.core_type)), a.num_tiles,
                        a.num_pe_per_tile, a.height, a.width, a.num_wavelength, a.work_freq_ghz,
                        a.in_bit});
    }
    return rows;
}

std::string ChipArchs::reported_opt() const {
    return std::string(photonic::opt_flag_name(archs_.front().reported_flag(opt_)));
}

}  // namespace ltdes::sim
