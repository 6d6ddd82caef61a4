// SPDX-License-Identifier: MIT
// How request traces are served: scheduler, router and fidelity options (the `scheduler.*` keys
// of the cluster YAML and the matching `run` flags; used by serving/). Member initializers are
// the defaults.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace ltdes::cluster {

/// How a replica forms its batches.
enum class SchedulerMode : std::uint8_t {
    continuous,    ///< iteration-level batching (Orca, vLLM): requests join and leave per iteration
    static_batch,  ///< a batch is formed, runs to completion, then the next one
};

/// How the router picks a replica for an arriving request.
enum class RouterPolicy : std::uint8_t {
    round_robin,                  ///< replica i mod dp for the i-th routed request
    least_outstanding,            ///< fewest dispatched-but-not-completed requests; ties in turn
    least_outstanding_lowest_id,  ///< the same, ties to the lowest replica id (the old default)
};

/// How a replica's iterations are simulated.
enum class Fidelity : std::uint8_t {
    iteration,  ///< one event per pipeline stage per iteration, cost computed for the batch
    op,         ///< every op on the chip LPs (not implemented yet: rejected with a message)
};

inline constexpr std::array<std::string_view, 2> kSchedulerModeNames = {"continuous", "static"};
inline constexpr std::array<std::string_view, 3> kRouterPolicyNames = {
    "round_robin", "least_outstanding", "least_outstanding_lowest_id"};
inline constexpr std::array<std::string_view, 2> kFidelityNames = {"iteration", "op"};

/// Everything the serving engine is told besides the cluster and the requests.
struct SchedulerSpec {
    SchedulerMode scheduler = SchedulerMode::continuous;
    std::uint32_t max_batch = 256;            ///< running requests per iteration (vLLM default)
    std::uint32_t max_batched_tokens = 8192;  ///< tokens per iteration (prefill + decode)
    bool chunked_prefill = false;             ///< Sarathi: prefill chunks share the token budget
    std::uint32_t kv_block_tokens = 16;       ///< tokens per paged KV block (vLLM default)
    RouterPolicy router = RouterPolicy::least_outstanding;
    /// Router to replica (and completion notice back), ns; also the DES lookahead, so > 0.
    double dispatch_latency_ns = 100000.0;
    Fidelity fidelity = Fidelity::iteration;
    bool skip_unfit = false;  ///< a request that can never fit is rejected instead of an error
    double slo_ttft_s = 0.0;  ///< goodput SLO on time to first token; 0 = none
    double slo_tpot_s = 0.0;  ///< goodput SLO on time per output token; 0 = none
    /// kGiven* bits of the limits the YAML, a --set or a flag gave (the plan search keeps
    /// them fixed instead of trying its candidates).
    std::uint8_t given = 0;

    static constexpr std::uint8_t kGivenMaxBatch = 1;
    static constexpr std::uint8_t kGivenMaxBatchedTokens = 2;
    static constexpr std::uint8_t kGivenChunkedPrefill = 4;

    /// Throws ConfigError("<where>: scheduler.<key>: ...") on the first bad value.
    void validate(std::string_view where) const;
};

}  // namespace ltdes::cluster
