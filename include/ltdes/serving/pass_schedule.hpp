// SPDX-License-Identifier: MIT
// The time one chip takes to run a small op DAG, by the chip model's own rules, without the
// DES: photonic cores and the DRAM unit run side by side (or one op at a time without
// overlap), an op starts when its inputs are ready and its resource is free, among ready ops
// the earliest in list order goes first, and the DRAM parts of ops (weight streams, memory
// ops) queue on the chip's one DRAM channel (cluster::DramChannel).
#pragma once

#include "ltdes/cluster/op_timing.hpp"
#include "ltdes/core/sim_time.hpp"

#include <cstdint>
#include <span>
#include <vector>

namespace ltdes::serving {

/// One op of the DAG. `deps` are indices of earlier ops; ops without deps are ready at 0.
struct ScheduledOp {
    cluster::OpTiming timing;         ///< its cost (duration alone, DRAM channel part)
    SimTime after;                    ///< extra time before it counts as done (its all-reduce)
    bool dram = false;                ///< a memory op: runs on the DRAM unit (with overlap)
    std::vector<std::uint32_t> deps;  ///< indices of earlier ops
};

/// When the last op of `ops` is done, starting with both resources free at 0. Events at the
/// same time are handled in the order they were created, as the DES orders a chip's own
/// events by their sequence number.
SimTime schedule_makespan(std::span<const ScheduledOp> ops, bool overlap);

}  // namespace ltdes::serving
