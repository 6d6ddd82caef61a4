// SPDX-License-Identifier: MIT
#include "ltdes/cluster/scheduler_spec.hpp"

#include "ltdes/core/error.hpp"

#include <fmt/format.h>

#include <cmath>

namespace ltdes::cluster {

void SchedulerSpec::validate(std::string_view where) const {
    const auto fail = [&](std::string_view key, const std::string& what) {
        throw ConfigError(fmt::format("{}: scheduler.{}: {}", where, key, what));
    };
    if (max_batch == 0) {
        fail("max_batch", "must be >= 1");
    }
    if (max_batched_tokens < max_batch) {
        fail("max_batched_tokens",
             fmt::format("must be >= max_batch ({}) so that every running request can decode "
                         "(got {})",
                         max_batch, max_batched_tokens));
    }
    if (kv_block_tokens == 0) {
        fail("kv_block_tokens", "must be >= 1");
    }
    if (!(dispatch_latency_ns * 1000.0 >= 0.5) || !std::isfinite(dispatch_latency_ns)) {
        fail("dispatch_latency_ns",
             fmt::format("must be >= 0.0005 ns (it is the simulation's lookahead; got {})",
                         dispatch_latency_ns));
    }
    if (!(slo_ttft_s >= 0.0) || !std::isfinite(slo_ttft_s)) {
        fail("slo_ttft_s", "must be >= 0 (0 = no SLO)");
    }
    if (!(slo_tpot_s >= 0.0) || !std::isfinite(slo_tpot_s)) {
        fail("slo_tpot_s", "must be >= 0 (0 = no SLO)");
    }
}

}  // namespace ltdes::cluster
