// SPDX-License-Identifier: MIT
#pragma once

#include "ltdes/cluster/chip_model.hpp"
#include "ltdes/cluster/cluster_spec.hpp"
#include "ltdes/output/run_metadata.hpp"
#include "ltdes/photonic/arch_spec.hpp"
#include "ltdes/photonic/cost_model.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace ltdes::sim {

/// The chips' hardware: one arch and one cost model per distinct arch of the cluster (its
/// `arch`, then the `chip_arch` overrides), each with `--opt` applied, bound to the cluster's
/// DRAM. Cost models are pure and shared read-only by the chips of every thread.
class ChipArchs {
public:
    /// Loads every arch of `cluster` for `chips` chips (`arch` empty = the built-in default).
    /// Throws ConfigError for a bad arch file, UsageError for a bad `opt`.
    ChipArchs(const cluster::ClusterSpec& cluster, const std::string& opt, std::uint32_t chips);

    const photonic::ArchSpec& arch(std::uint32_t chip) const { return archs_[chip_model_[chip]]; }

    const photonic::CostModel& cost_model(std::uint32_t chip) const {
        return *models_[chip_model_[chip]];
    }

    /// Which distinct arch (and cost model) the chip has: equal for chips that cost ops alike.
    std::size_t model_index(std::uint32_t chip) const { return chip_model_[chip]; }

    /// The DRAM every chip's memory ops are costed against.
    const photonic::MemorySpec& memory() const { return mem_; }

    /// Memory capacity a chip holds weights and KV cache in, GiB: a gpu arch's own HBM, else
    /// the cluster's `dram.capacity_gib`.
    double capacity_gib(std::uint32_t chip) const;

    /// The smallest capacity_gib of any chip: what the memory-fit checks assume of every chip.
    double min_capacity_gib() const;

    /// Peak laser power of a chip's arch in mW (photonic::chip_laser_power_mw).
    double laser_mw(std::uint32_t chip) const { return laser_mw_[chip_model_[chip]]; }

    /// SRAM bytes the chip keeps weights in: its arch's global buffer (0 for a GPU).
    std::uint64_t sram_bytes(std::uint32_t chip) const;

    /// The chip's op cost in simulated time: the model's latency rounded up to whole ps.
    cluster::OpCostFn cost_fn(std::uint32_t chip) const;

    /// The arch files read from disk (built-in names are not files), for /metadata/inputs.
    std::vector<output::InputFile> input_files() const;

    /// /metadata/chips: one row per chip.
    std::vector<output::ChipHardware> hardware() const;

    /// The opt flag as reported for chip 0's core type (non-DOTA cores report `broadcast`).
    std::string reported_opt() const;

private:
    std::size_t add(const std::string& path);

    photonic::OptFlag opt_;
    std::vector<std::size_t> chip_model_;
    std::vector<std::string> sources_;
    std::vector<photonic::ArchSpec> archs_;
    std::vector<std::unique_ptr<photonic::CostModel>> models_;
    std::vector<double> laser_mw_;
    photonic::MemorySpec mem_;
    double dram_capacity_gib_;
};

}  // namespace ltdes::sim
