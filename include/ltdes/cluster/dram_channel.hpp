// SPDX-License-Identifier: MIT
// The one DRAM channel of a chip: weight streams, KV reads and writes and embedding lookups all
// go through it, first come first served (docs/cluster.md, "Memory").
#pragma once

#include "ltdes/cluster/op_timing.hpp"
#include "ltdes/core/sim_time.hpp"

namespace ltdes::cluster {

/// A FIFO channel at the configured bandwidth: a transfer starts when the previous one is
/// done. Pure bookkeeping, shared by the DES chip model and the serving iteration schedule.
class DramChannel {
public:
    /// Runs `t` from `now`: its DRAM part (if any) waits for the channel and holds it for
    /// t.dram; returns when the op ends — max(now + compute, transfer end) for an FC GEMM,
    /// transfer end + t.dram_tail for a memory op, now + t.duration for an op without DRAM part.
    SimTime run(const OpTiming& t, SimTime now);

    /// Total time the channel was held (ps).
    SimTime busy() const { return busy_; }

private:
    SimTime free_at_;
    SimTime busy_;
};

}  // namespace ltdes::cluster
