// SPDX-License-Identifier: MIT
// Latency percentiles, throughput, goodput and energy per request of a serving run.
#pragma once

#include "ltdes/serving/serving_run.hpp"
#include "ltdes/serving/serving_spec.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace ltdes::serving {

/// Mean and percentiles of one latency, seconds (NaN when there is no sample).
struct LatencyStats {
    double mean = 0.0;
    double p50 = 0.0;
    double p90 = 0.0;
    double p99 = 0.0;
};

/// The `p`-th percentile (0..100) of `sorted` (ascending) by linear interpolation between
/// closest ranks (numpy's default): rank h = (n−1)·p/100. NaN when empty.
double percentile(std::span<const double> sorted, double p);

/// Mean and p50/p90/p99 of `values` (any order).
LatencyStats latency_stats(std::vector<double> values);

/// Whole-run serving figures. Over completed requests: TTFT = first token − arrival,
/// TPOT = (completion − first token) / (decode − 1) (requests with decode > 1), end-to-end =
/// completion − arrival. The serving window runs from the first arrival to the last
/// completion; throughputs and goodput are per second of it.
struct ServingSummary {
    LatencyStats ttft, tpot, e2e;
    double duration_s = 0.0;
    /// Arrival rate of the trace, every request counted: (n − 1) / (last − first arrival);
    /// NaN with fewer than two distinct arrival times. The x axis of a load sweep.
    double offered_load_rps = 0.0;
    double throughput_rps = 0.0;
    double throughput_tps = 0.0;  ///< generated tokens per second
    double goodput_rps = 0.0;     ///< completed requests meeting both SLOs per second
    std::uint64_t requests_completed = 0;
    std::uint64_t requests_rejected = 0;
    std::uint64_t generated_tokens = 0;
    std::uint64_t preemptions = 0;
    double energy_j = 0.0;  ///< all replicas (replica_energy), in replica order
    double energy_per_request_j = 0.0;
    double energy_per_generated_token_j = 0.0;

    /// (name, value) pairs as written to /summary, in a fixed order.
    std::vector<std::pair<std::string, double>> attributes() const;
};

ServingSummary summarize(const ServingResult& r, const ServingSpec& spec);

}  // namespace ltdes::serving
