// SPDX-License-Identifier: MIT
#include "ltdes/photonic/element_costs.hpp"

#include "photonic/matmul_math.hpp"

#include "ltdes/photonic/cost_model.hpp"

#include <cmath>

namespace ltdes::photonic {

using workload::OpKind;

double flops_per_element(OpKind kind) {
    switch (kind) {
        case OpKind::gelu:
            return 8.0;
        case OpKind::layernorm:
            return 5.0;
        case OpKind::add:
            return 1.0;
        case OpKind::softmax:
            return 0.0;  // costed per byte (softmax_pj_per_element)
        case OpKind::rmsnorm:
            return 4.0;  // square, accumulate, scale by rsqrt, multiply by gain
        case OpKind::silu:
            return 5.0;  // negate, exp, add 1, divide, multiply
        case OpKind::mul:
            return 1.0;
        case OpKind::rope:
            return 3.0;  // x·cos + rotate(x)·sin: two multiplies and an add
        case OpKind::router:
            return 1.0;  // one compare per score for top-k, on top of the softmax
        default:
            return 0.0;
    }
}

double softmax_pj_per_element(unsigned bits) {
    return 51.6 / 44.8 * static_cast<double>(bits) / 8.0;
}

OpCost element_wise_cost(const ArchSpec& arch, OpKind kind, double elements) {
    const double b = arch.in_bit;
    OpCost c;
    double digital = flops_per_element(kind) * kFlopPj * elements;
    if (kind == OpKind::softmax || kind == OpKind::router) {
        digital += softmax_pj_per_element(arch.in_bit) * elements;
    }
    c.energy[EnergyComponent::digital] = digital;
    c.energy[EnergyComponent::sram_gb] =
        elements * arch.datamovement.gb2_mj * detail::kPjPerMj * b / 16.0 * 2.0;
    c.latency_s = elements * b / sram_bandwidth_bps();
    c.memory_cycles = static_cast<std::uint64_t>(std::ceil(c.latency_s * detail::kMemClockHz));
    return c;
}

OpCost dram_transfer_cost(const ArchSpec& arch, double elements, const MemorySpec& mem) {
    const double bytes = elements * static_cast<double>(arch.in_bit) / 8.0;
    OpCost c;
    c.energy[EnergyComponent::dram] = arch.datamovement.dram_mj * detail::kPjPerMj * bytes / 2.0;
    c.latency_s = bytes * 8.0 / mem.dram_bandwidth_bps + mem.dram_latency_s;
    c.memory_cycles = static_cast<std::uint64_t>(std::ceil(c.latency_s * detail::kMemClockHz));
    return c;
}

}  // namespace ltdes::photonic
