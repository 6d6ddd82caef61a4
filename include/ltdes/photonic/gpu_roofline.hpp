// SPDX-License-Identifier: MIT
#pragma once

#include "ltdes/photonic/cost_model.hpp"

#include <cstdint>

namespace ltdes::photonic {

/// The work of one op as a GPU kernel sees it (docs/model.md, "The electronic baseline").
struct KernelWork {
    double flops = 0.0;      ///< FLOPs (2 per multiply-accumulate for matmuls)
    double hbm_bytes = 0.0;  ///< bytes read from and written to HBM
    bool tensor = false;     ///< runs on the tensor cores (matmuls) rather than the vector units
    bool kernel = true;      ///< a kernel of its own (false: fused into another op, no launch)
};

/// What a GPU kernel of `op` computes and moves at `bytes_per_value` bytes per value: matmuls
/// read both operands and write the result once; element-wise ops read their inputs (two for
/// add and mul) and write one output; a lookup reads the rows and writes them; kv_write writes
/// the new keys and values; kv_read is fused into the attention matmuls, which already read K
/// and V (no bytes, no launch).
KernelWork kernel_work(const workload::Op& op, double bytes_per_value);

/// FLOPs per element of an element-wise kind on a GPU: photonic::flops_per_element, except
/// softmax (5: max, subtract, exp, sum, divide) and router (softmax + 1 compare), which the
/// photonic model charges per byte instead.
double gpu_flops_per_element(workload::OpKind kind);

/// The electronic baseline: a roofline per op (docs/model.md). Time = max(FLOPs / peak at the
/// arch precision, HBM bytes / bandwidth) + the launch overhead; energy = pj_per_flop · FLOPs
/// (`digital`) + pj_per_byte · bytes (`dram`) + static_power_w · time (`static`). The GPU's own
/// HBM replaces the cluster's DRAM (`mem` is not used).
class GpuRooflineCostModel final : public CostModel {
public:
    GpuRooflineCostModel(const ArchSpec& arch, CostOptions options);

    /// Not defined for a GPU (it has no reference components); throws InternalError. Every
    /// caller of the cost model goes through cost(); `--compat hpca24` refuses a gpu arch.
    GemmCost matmul(const MatmulShape& shape, const MemorySpec& mem) const override;

    OpCost cost(const workload::Op& op, const MemorySpec& mem) const override;

    /// The roofline of a kernel of `work` (the part of cost() after kernel_work).
    OpCost kernel_cost(const KernelWork& work) const;

private:
    double tensor_flops_;  ///< FLOP/s
    double vector_flops_;  ///< FLOP/s
    double hbm_bps_;       ///< bytes/s
    double bytes_per_value_;
};

}  // namespace ltdes::photonic
