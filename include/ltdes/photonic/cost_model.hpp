// SPDX-License-Identifier: MIT
#pragma once

#include "ltdes/photonic/arch_spec.hpp"
#include "ltdes/photonic/device_energies.hpp"
#include "ltdes/photonic/gemm_cost.hpp"
#include "ltdes/photonic/op_cost.hpp"
#include "ltdes/workload/op.hpp"

#include <memory>

namespace ltdes::photonic {

/// Options that are not part of the hardware.
struct CostOptions {
    /// Reproduce the reference bit for bit (`--compat hpca24`): keeps docs/model.md item 2
    /// (the squared GB2 factor of DOTA attention). Other quirks live in the op-list builder.
    bool hpca24 = false;
};

/// Bandwidth of the GB→SRAM path in bit/s (docs/model.md `BW_SRAM`, ≈ 5.82e13).
double sram_bandwidth_bps();

/// The photonic chip cost model (docs/model.md). Pure: no clock, no I/O; every method is const and
/// thread-safe and allocates nothing, so the cluster model may call it per sharded op.
class CostModel {
public:
    CostModel(const ArchSpec& arch, CostOptions options);
    virtual ~CostModel() = default;
    CostModel(const CostModel&) = delete;
    CostModel& operator=(const CostModel&) = delete;

    /// One matmul, in the reference's operand names; `mem` sets the DRAM bandwidth of the FC
    /// weight preload.
    virtual GemmCost matmul(const MatmulShape& shape, const MemorySpec& mem) const = 0;

    /// Any op of a trace (docs/model.md): gemm, bmm (qk/sv, `count` heads), element-wise
    /// kinds (per-element digital + SRAM energy), lookup and kv_read/kv_write through DRAM.
    /// Throws ltdes::TraceError for a bmm without role. Virtual: the GPU roofline replaces it.
    virtual OpCost cost(const workload::Op& op, const MemorySpec& mem) const;

    /// The reference operand shape of a trace matmul (docs/model.md table).
    static MatmulShape matmul_shape(const workload::Op& op);

    const ArchSpec& arch() const { return arch_; }

    const DeviceEnergies& devices() const { return dev_; }

    const CostOptions& options() const { return options_; }

protected:
    ArchSpec arch_;
    DeviceEnergies dev_;
    CostOptions options_;
};

/// Builds the cost model named by `arch.core_type` (a gpu core: GpuRooflineCostModel).
std::unique_ptr<CostModel> make_cost_model(const ArchSpec& arch, CostOptions options = {});

}  // namespace ltdes::photonic
