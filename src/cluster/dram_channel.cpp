// SPDX-License-Identifier: MIT
#include "ltdes/cluster/dram_channel.hpp"

#include <algorithm>

namespace ltdes::cluster {

SimTime DramChannel::run(const OpTiming& t, SimTime now) {
    if (t.dram <= SimTime::zero()) {
        return now + t.duration;
    }
    const SimTime start = std::max(now, free_at_);
    free_at_ = start + t.dram;
    busy_ += t.dram;
    // A GEMM computes on the waves already streamed while the rest arrives (the cost model's
    // max(compute, preload)); a memory op ends one access latency after its transfer.
    return std::max(now + t.compute, free_at_ + t.dram_tail);
}

}  // namespace ltdes::cluster
