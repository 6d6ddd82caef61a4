// SPDX-License-Identifier: MIT
#include "ltdes/sim/plan_search_run.hpp"

#include "ltdes/sim/chip_archs.hpp"
#include "ltdes/sim/workload_source.hpp"
#include "ltdes/trace/trace_reader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

namespace ltdes::sim {

SearchedPlan search_run_plan(const config::RunSpec& spec, cluster::Objective objective) {
    WorkloadRequest request;
    request.trace = spec.trace.string();
    const ResolvedWorkload input = resolve_workload(request);
    SearchedPlan s;
    s.profile = std::make_unique<cluster::TraceProfile>(input.model, input.spec);
    trace::TraceReader reader(spec.trace);
    workload::Op op;
    while (reader.next(op)) {
        s.profile->add(op);
    }
    s.profile->finish();
    // One chip is enough to cost ops: the search prices every chip as chip 0.
    const ChipArchs archs(spec.cluster, spec.opt, 1);
    cluster::PlanSearchInputs in;
    in.spec = spec.cluster;
    // A gpu arch holds weights and KV cache in its own HBM, as the run's DRAM check assumes.
    in.spec.dram.capacity_gib = archs.min_capacity_gib();
    in.cost = archs.cost_fn(0);
    in.bits = archs.arch(0).in_bit;
    in.sram_bytes = archs.sram_bytes(0);
    in.objective = objective;
    in.microbatches = spec.cluster.microbatches;
    in.laser_mw = archs.laser_mw(0);
    s.result = cluster::search_plans(*s.profile, in);
    return s;
}

config::RunSpec with_searched_plan(const config::RunSpec& spec,
                                   const cluster::PlanSearchResult& result) {
    config::RunSpec out = spec;
    const cluster::PlanCandidate& c = result.best().plan;
    out.cluster.plan = cluster::PlanSpec{false, c.tp, c.pp, c.dp, c.ep};
    out.cluster.chips = c.chips();
    out.cluster.microbatches = c.microbatches;
    std::erase_if(out.cluster.chip_arch,
                  [&](const cluster::ChipArchOverride& o) { return o.chip >= c.chips(); });
    return out;
}

double simulated_objective(const stats::RunSummary& s, double energy_j, cluster::Objective o) {
    cluster::PlanPrediction p;
    p.makespan_s = s.makespan_s;
    p.ttft_s = s.ttft_s;
    p.tpot_s = s.tpot_s;
    p.energy_j = energy_j;
    const std::uint64_t tokens = s.generated_tokens > 0 ? s.generated_tokens : s.tokens;
    p.throughput_tok_s = s.makespan_s > 0 ? static_cast<double>(tokens) / s.makespan_s : 0.0;
    return cluster::objective_display(p, o);
}

std::string search_config_comment(const cluster::PlanSearchResult& r) {
    const cluster::ScoredPlan& b = r.best();
    const cluster::PlanPrediction& p = b.prediction;
    return fmt::format(
        "# plan search: objective {}, {} feasible plans on up to {} chips; chose tp {} x pp {} x "
        "dp {}{}, {} micro-batch(es)\n"
        "# plan search predicted: makespan {:.9e} s, ttft {:.9e} s, tpot {:.9e} s, energy "
        "{:.9e} J, {} {:.9e} {}\n",
        cluster::objective_name(r.objective), r.ranked.size(), r.chips, b.plan.tp, b.plan.pp,
        b.plan.dp, b.plan.ep > 1 ? fmt::format(" (ep {})", b.plan.ep) : std::string(),
        b.plan.microbatches, p.makespan_s, p.ttft_s, p.tpot_s, p.energy_j,
        cluster::objective_name(r.objective), cluster::objective_display(p, r.objective),
        cluster::objective_unit(r.objective));
}

}  // namespace ltdes::sim
