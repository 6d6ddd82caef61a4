// SPDX-License-Identifier: MIT
// What one op shard costs on a chip, split into the parts the chip's resources see: the
// photonic cores and the one DRAM channel that every stream of the chip shares (docs/cluster.md,
// "Memory").
#pragma once

#include "ltdes/core/energy.hpp"
#include "ltdes/core/sim_time.hpp"
#include "ltdes/photonic/op_cost.hpp"
#include "ltdes/workload/op.hpp"

#include <functional>

namespace ltdes::cluster {

/// Duration (rounded up to whole ps, docs/units.md) and energy of one op shard on a chip, alone
/// on an idle chip with its weights streamed from DRAM. A cost function that leaves the channel
/// fields 0 makes an op that never touches the DRAM channel.
struct OpTiming {
    SimTime duration;
    EnergyPj energy;
    /// How long the op occupies the DRAM channel from its start (≤ duration): the transfer of a
    /// memory op, the weight stream of an FC GEMM.
    SimTime dram;
    /// Memory ops: the DRAM access latency after the transfer (duration = dram + dram_tail).
    SimTime dram_tail;
    /// FC GEMMs: the time on the cores alone (duration = max(compute, dram)); also its duration
    /// when its weights are resident in SRAM.
    SimTime compute;
    /// An FC GEMM whose weights come from DRAM (its `dram` energy is the weight fetch).
    bool streams_weights = false;
};

/// Costs one sharded op; pure and deterministic (wraps photonic::CostModel::cost).
using OpCostFn = std::function<OpTiming(const workload::Op&)>;

/// The chip-level timing of `op` from its photonic cost against `mem`: FC GEMMs hold the DRAM
/// channel for their weight-preload time, memory ops (lookup, kv_read, kv_write) for their
/// transfer; everything else stays on chip. A GEMM cost without a compute part (the GPU
/// roofline leaves compute_s 0) stays a plain op: no channel time, never resident.
OpTiming op_timing(const workload::Op& op,
                   const photonic::OpCost& cost,
                   const photonic::MemorySpec& mem);

/// The same FC GEMM when its weights are already in SRAM: no DRAM energy, no channel time,
/// the compute time only. Ops that stream no weights are returned unchanged.
OpTiming resident_use(const OpTiming& streamed);

}  // namespace ltdes::cluster
