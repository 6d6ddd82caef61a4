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

    double makespan_s = kUndefined;      ///< last end time of any op, s
    double ttft_s = kUndefined;          ///< time to first token (end of prefill), s
    double tpot_s = kUndefined;          ///< (makespan − TTFT) / (generated per request − 1), s
    std::uint64_t tokens = 0;            ///< tokens processed (prefill + generated, all requests)
    std::uint64_t generated_tokens = 0;  ///< tokens produced by decode steps
    std::vector<double> chip_utilization;  ///< per chip id: busy time / makespan, in [0, 1]
};

/// Energy per token: `energy_j / tokens`, NaN when there are no tokens. The two names every
/// output uses (docs/units.md): energy_per_processed_token_J (all `tokens`) and
/// energy_per_generated_token_J (`generated_tokens`).
inline double per_token(double energy_j, std::uint64_t tokens) {
    return tokens > 0 ? energy_j / static_cast<double>(tokens) : RunSummary::kUndefined;
}

}  // namespace ltdes::stats
