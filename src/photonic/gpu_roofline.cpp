// SPDX-License-Identifier: MIT
#include "ltdes/photonic/gpu_roofline.hpp"

#include "photonic/matmul_math.hpp"

#include "ltdes/core/error.hpp"
#include "ltdes/photonic/element_costs.hpp"

#include <algorithm>
#include <cmath>

namespace ltdes::photonic {

using workload::OpKind;

double gpu_flops_per_element(OpKind kind) {
    constexpr double kSoftmaxFlops = 5.0;
    switch (kind) {
        case OpKind::softmax:
            return kSoftmaxFlops;
        case OpKind::router:
            return kSoftmaxFlops + 1.0;
        default:
            return flops_per_element(kind);
    }
}

KernelWork kernel_work(const workload::Op& op, double bytes_per_value) {
    const auto d = [](std::uint64_t v) { return static_cast<double>(v); };
    KernelWork w;
    switch (op.kind) {
        case OpKind::gemm:
        case OpKind::bmm:
            w.tensor = true;
            w.flops = 2.0 * d(op.m) * d(op.n) * d(op.k) * d(op.count);
            w.hbm_bytes = bytes_per_value * d(op.count) *
                          (d(op.m) * d(op.k) + d(op.k) * d(op.n) + d(op.m) * d(op.n));
            break;
        case OpKind::lookup:
            w.hbm_bytes = 2.0 * bytes_per_value * d(op.elements());
            break;
        case OpKind::kv_write:
            w.hbm_bytes = bytes_per_value * d(op.elements());
            break;
        case OpKind::kv_read:
            w.kernel = false;
            break;
        default: {
            const double inputs = (op.kind == OpKind::add || op.kind == OpKind::mul) ? 2.0 : 1.0;
            w.flops = gpu_flops_per_element(op.kind) * d(op.elements());
            w.hbm_bytes = (inputs + 1.0) * bytes_per_value * d(op.elements());
            break;
        }
    }
    return w;
}

GpuRooflineCostModel::GpuRooflineCostModel(const ArchSpec& arch, CostOptions options)
    : CostModel(arch, options),
      tensor_flops_(arch.gpu_tensor_flops()),
      vector_flops_(arch.gpu.vector_tflops * 1e12),
      hbm_bps_(arch.gpu.hbm_bandwidth_gbs * 1e9),
      bytes_per_value_(static_cast<double>(arch.in_bit) / 8.0) {
    if (!(tensor_flops_ > 0.0 && vector_flops_ > 0.0 && hbm_bps_ > 0.0)) {
        throw InternalError("GpuRooflineCostModel: arch not validated (zero peak or bandwidth)");
    }
}

GemmCost GpuRooflineCostModel::matmul(const MatmulShape&, const MemorySpec&) const {
    throw InternalError("a gpu arch has no reference components: cost ops through cost()");
}

OpCost GpuRooflineCostModel::kernel_cost(const KernelWork& work) const {
    OpCost c;
    if (!work.kernel) {
        return c;
    }
    const GpuSpec& g = arch_.gpu;
    const double compute_s = work.flops / (work.tensor ? tensor_flops_ : vector_flops_);
    const double memory_s = work.hbm_bytes / hbm_bps_;
    c.latency_s = std::max(compute_s, memory_s) + g.launch_overhead_us * 1e-6;
    c.compute_cycles = static_cast<std::uint64_t>(std::ceil(compute_s * arch_.work_freq_ghz * 1e9));
    c.memory_cycles = static_cast<std::uint64_t>(std::ceil(memory_s * detail::kMemClockHz));
    c.energy[EnergyComponent::digital] = g.pj_per_flop * work.flops;
    c.energy[EnergyComponent::dram] = g.pj_per_byte * work.hbm_bytes;
    c.energy[EnergyComponent::static_power] = g.static_power_w * c.latency_s * 1e12;
    return c;
}

OpCost GpuRooflineCostModel::cost(const workload::Op& op, const MemorySpec&) const {
    return kernel_cost(kernel_work(op, bytes_per_value_));
}

}  // namespace ltdes::photonic
