// SPDX-License-Identifier: MIT
#include "ltdes/cluster/op_timing.hpp"

#include "ltdes/core/checked_time.hpp"

#include <algorithm>

namespace ltdes::cluster {

namespace {

/// The reference's memory clock: the weight-preload term is counted in its cycles.
constexpr double kMemClockHz = 500e6;

}  // namespace

OpTiming op_timing(const workload::Op& op,
                   const photonic::OpCost& cost,
                   const photonic::MemorySpec& mem) {
    using workload::OpKind;
    OpTiming t;
    t.duration = op_duration_from_seconds(cost.latency_s);
    t.energy = cost.energy;
    if (op.kind == OpKind::gemm && cost.compute_s > 0.0) {
        // duration = max(compute, weight preload): each part rounded up alone, and the larger
        // one set to the rounded whole so that both stay ≤ duration with one of them equal.
        t.streams_weights = true;
        t.compute = std::min(op_duration_from_seconds(cost.compute_s), t.duration);
        t.dram = std::min(
            op_duration_from_seconds(static_cast<double>(cost.memory_cycles) / kMemClockHz),
            t.duration);
        (t.compute >= t.dram ? t.compute : t.dram) = t.duration;
    } else if (op.kind == OpKind::lookup || op.kind == OpKind::kv_read ||
               op.kind == OpKind::kv_write) {
        t.dram =
            std::min(op_duration_from_seconds(std::max(cost.latency_s - mem.dram_latency_s, 0.0)),
                     t.duration);
        t.dram_tail = t.duration - t.dram;
    }
    return t;
}

OpTiming resident_use(const OpTiming& streamed) {
    if (!streamed.streams_weights) {
        return streamed;
    }
    OpTiming t = streamed;
    t.duration = streamed.compute;
    t.dram = SimTime::zero();
    t.energy[EnergyComponent::dram] = 0.0;
    t.streams_weights = false;
    return t;
}

}  // namespace ltdes::cluster
