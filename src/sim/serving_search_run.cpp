// SPDX-License-Identifier: MIT
#include "ltdes/sim/serving_search_run.hpp"

#include "ltdes/core/error.hpp"
#include "ltdes/sim/chip_archs.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace ltdes::sim {

serving::ServingSearchResult search_serving_plan(const config::RunSpec& spec,
                                                 const trace::RequestTrace& trace,
                                                 cluster::Objective objective,
                                                 des::Transport* transport) {
    if (trace.header.model.is_encoder()) {
        throw TraceError(fmt::format("{}: serving needs a decoder model, {} is an encoder",
                                     spec.trace.string(), trace.header.model.name));
    }
    // One chip is enough to cost ops: the search prices every chip as chip 0.
    const ChipArchs archs(spec.cluster, spec.opt, 1);
    serving::ServingSearchInputs in;
    in.spec = spec.cluster;
    in.spec.dram.capacity_gib = archs.min_capacity_gib();  // a gpu's own HBM
    in.cost = archs.cost_fn(0);
    in.sram_bytes = archs.sram_bytes(0);
    in.bits = archs.arch(0).in_bit;
    in.objective = objective;
    in.threads = spec.threads;
    const std::uint8_t given = spec.cluster.scheduler.given;
    in.fixed_max_batch = (given & cluster::SchedulerSpec::kGivenMaxBatch) != 0;
    in.fixed_max_batched_tokens = (given & cluster::SchedulerSpec::kGivenMaxBatchedTokens) != 0;
    in.fixed_chunked_prefill = (given & cluster::SchedulerSpec::kGivenChunkedPrefill) != 0;
    return serving::search_serving_plans(trace.header.model, trace.requests, in, transport);
}

config::RunSpec with_searched_serving_plan(const config::RunSpec& spec,
                                           const serving::ServingSearchResult& result) {
    config::RunSpec out = spec;
    const serving::ServingCandidate& c = result.best().plan;
    out.cluster.plan = cluster::PlanSpec{false, c.tp, c.pp, c.dp};
    out.cluster.chips = c.chips();
    out.cluster.scheduler.max_batch = c.max_batch;
    out.cluster.scheduler.max_batched_tokens = c.max_batched_tokens;
    out.cluster.scheduler.chunked_prefill = c.chunked_prefill;
    std::erase_if(out.cluster.chip_arch,
                  [&](const cluster::ChipArchOverride& o) { return o.chip >= c.chips(); });
    return out;
}

double simulated_serving_objective(const serving::ServingSummary& s, cluster::Objective o) {
    serving::ServingPrediction p;
    p.ttft = s.ttft;
    p.tpot = s.tpot;
    p.duration_s = s.duration_s;
    p.throughput_rps = s.throughput_rps;
    p.throughput_tps = s.throughput_tps;
    p.goodput_rps = s.goodput_rps;
    p.energy_j = s.energy_j;
    return serving::serving_objective_display(p, o);
}

}  // namespace ltdes::sim
