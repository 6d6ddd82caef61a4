// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <limits>
#include <vector>

namespace ltdes::stats {

/// Whole-run figures written as attributes of `/summary`. Times in seconds; NaN where the
/// quantity has no meaning (TTFT/TPOT of an encoder). Total energy is not here: the writer
/// sums it from the per-layer aggregates in a fixed order, so it matches `/layers` exactly.
struct RunSummary {
    static constexpr double kUndefined = std::numeric_limits<double>::quiet_NaN();

    double makespan_s = kUndefined;        ///< last end time of any op, s
    double ttft_s = kUndefined;            ///< time to first token (end of prefill), s
    double tpot_s = kUndefined;            ///< mean time per output token over decode steps, s
    std::uint64_t tokens = 0;              ///< tokens processed (prefill + generated, all requests)
    std::uint64_t generated_tokens = 0;    ///< tokens produced by decode steps
    std::vector<double> chip_utilization;  ///< per chip id: busy time / makespan, in [0, 1]
};

}  // namespace ltdes::stats
