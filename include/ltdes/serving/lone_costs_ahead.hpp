// SPDX-License-Identifier: MIT
// The costs of lone requests, computed before the run and split across the ranks. On several
// ranks the router dispatches ahead of the other ranks only for requests whose completion it
// can forecast (RouterLp::forecast_alone), and it can only when every iteration cost of the
// request is already in its rank's cache. On the serving hour 18 % of the requests met a cost
// nobody had computed yet, and each held the router's rank until the replica's rank had run
// that request; the cost model's work also fell on whichever rank met the miss first. A lone
// request's iterations follow from the trace alone (its prefill, then one-token decode steps
// at contexts prompt, prompt + 1, ...), so each rank computes a share of them before the run
// and the ranks swap the results. The costs are the model's, bit for bit: results do not
// change, only when and where the model runs.
#pragma once

#include "ltdes/des/transport.hpp"
#include "ltdes/serving/cost_sharing.hpp"
#include "ltdes/serving/kv_block_manager.hpp"
#include "ltdes/serving/serving_spec.hpp"
#include "ltdes/trace/request_record.hpp"

#include <cstdint>
#include <span>
#include <vector>

namespace ltdes::serving {

/// What costing ahead did on this rank.
struct LoneCostsAhead {
    std::uint64_t computed = 0;  ///< costs this rank's caches took from the model
    std::uint64_t adopted = 0;   ///< costs other ranks computed, kept here
    double seconds = 0.0;        ///< wall time, exchange included
};

/// Collective over `transport`. For each cost cache of `caches` (keyed by replica_cost_key),
/// the ranks holding one with that key compute, each a share, the costs of every iteration a
/// request of `requests` runs alone and plainly (ReplicaScheduler::runs_plainly_alone) on a warm
/// replica with that key, and every rank adopts the others' shares. `kv` and `cost_keys` are by
/// replica. Requests with contexts past IterationCostCache::kDecodeStepContexts are left out, and
/// prefills past half a cache's capacity (costs that would push each other out).
LoneCostsAhead cost_lone_requests_ahead(std::span<const trace::RequestRecord> requests,
                                        const ServingSpec& spec,
                                        std::span<const KvBlockManager> kv,
                                        std::span<const std::vector<std::uint64_t>> cost_keys,
                                        const CostCaches& caches,
                                        des::Transport& transport);

}  // namespace ltdes::serving
