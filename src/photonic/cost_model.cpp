// SPDX-License-Identifier: MIT
#include "ltdes/photonic/cost_model.hpp"

#include "photonic/matmul_math.hpp"

#include "ltdes/core/error.hpp"
#include "ltdes/photonic/dota.hpp"
#include "ltdes/photonic/element_costs.hpp"
#include "ltdes/photonic/gpu_roofline.hpp"
#include "ltdes/photonic/mrr_bank.hpp"
#include "ltdes/photonic/mzi.hpp"

#include <fmt/format.h>

#include <cmath>

namespace ltdes::photonic {

using workload::OpKind;

double sram_bandwidth_bps() {
    // Evaluated left to right exactly as the reference writes it (docs/model.md).
    return (1.0 / 0.604347) * 64.0 * 64.0 * 1073741824.0 * 8.0;
}

CostModel::CostModel(const ArchSpec& arch, CostOptions options)
    : arch_(arch), dev_(DeviceEnergies::from(arch)), options_(options) {}

MatmulShape CostModel::matmul_shape(const workload::Op& op) {
    MatmulShape s;
    if (op.kind == OpKind::gemm) {
        s.kind = MatmulKind::fc;
        s.n1 = op.n;
        s.d = op.k;
        s.n2 = op.m;
    } else {
        if (op.role == workload::BmmRole::none) {
            throw TraceError(
                fmt::format("op {} '{}': a bmm needs a role (qk or sv)", op.id, op.name));
        }
        s.kind = op.role == workload::BmmRole::qk ? MatmulKind::qk : MatmulKind::sv;
        s.n1 = op.m;
        s.d = op.k;
        s.n2 = op.n;
    }
    s.heads = op.count;
    return s;
}

OpCost CostModel::cost(const workload::Op& op, const MemorySpec& mem) const {
    switch (op.kind) {
        case OpKind::gemm:
        case OpKind::bmm:
            return matmul(matmul_shape(op), mem).to_op_cost();
        case OpKind::lookup:
        case OpKind::kv_read:
        case OpKind::kv_write:
            return dram_transfer_cost(arch_, static_cast<double>(op.elements()), mem);
        default:
            return element_wise_cost(arch_, op.kind, static_cast<double>(op.elements()));
    }
}

std::unique_ptr<CostModel> make_cost_model(const ArchSpec& arch, CostOptions options) {
    switch (arch.core_type) {
        case CoreType::dota:
            return std::make_unique<DotaCostModel>(arch, options);
        case CoreType::mrrbank:
            return std::make_unique<MrrBankCostModel>(arch, options);
        case CoreType::mzi:
            return std::make_unique<MziCostModel>(arch, options);
        case CoreType::gpu:
            return std::make_unique<GpuRooflineCostModel>(arch, options);
    }
    throw InternalError("make_cost_model: unknown core type");
}

}  // namespace ltdes::photonic
