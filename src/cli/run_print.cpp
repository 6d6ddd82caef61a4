// SPDX-License-Identifier: MIT
// What `lt-des run` prints on rank 0 after a static-trace run: the summary lines, where the
// ranks spent the run, and the plan search's prediction against the simulated objective.
#include "cli/run_print.hpp"

#include "ltdes/cluster/moe_figures.hpp"
#include "ltdes/cluster/topology.hpp"
#include "ltdes/core/energy.hpp"
#include "ltdes/stats/run_summary.hpp"

#include <fmt/format.h>

namespace ltdes::cli {

namespace {

/// "sync            R rounds, W windows on the busiest rank (E events/window); compute/sync s
/// per rank: ...": where the ranks spent the run (the first 8 ranks).
std::string format_sync_line(const des::RunStats& st) {
    std::uint64_t all_windows = 0;
    for (const std::uint64_t w : st.windows_per_rank) {
        all_windows += w;
    }
    std::string s = fmt::format(
        "sync            {} rounds, {} windows on the busiest rank ({:.1f} events/window); "
        "compute/sync s per rank:",
        st.rounds, st.windows,
        all_windows > 0 ? static_cast<double>(st.global_events) / static_cast<double>(all_windows)
                        : 0.0);
    constexpr std::size_t kShown = 8;
    for (std::size_t r = 0; r < st.wall_seconds_per_rank.size() && r < kShown; ++r) {
        const double sync = st.sync_seconds_per_rank[r];
        s += fmt::format(" {:.3f}/{:.3f}", st.wall_seconds_per_rank[r] - sync, sync);
    }
    if (st.wall_seconds_per_rank.size() > kShown) {
        s += fmt::format(" ... ({} ranks)", st.wall_seconds_per_rank.size());
    }
    return s + "\n";
}

}  // namespace

std::string format_summary(const config::RunSpec& spec,
                           const sim::PlannedRun& planned,
                           const sim::RunOutcome& outcome,
                           int ranks) {
    const cluster::Plan& plan = planned.plan;
    const auto& t = outcome.result.totals;
    const auto& stats = outcome.result.stats;
    const stats::RunSummary& s = outcome.summary;
    const double total_j = t.energy.total() * 1e-12;
    std::string out;
    out += fmt::format("lt-des run: {} on {} chips (tp {} x pp {} x dp {}{}, {}), {} rank(s)\n",
                       spec.trace.string(), plan.chips(), plan.tp(), plan.pp(), plan.dp(),
                       plan.ep() > 1 ? fmt::format(", ep {}", plan.ep()) : std::string(),
                       cluster::topology_name(spec.cluster.topology), ranks);
    out += fmt::format("makespan        {:.6f} ms\n", s.makespan_s * 1e3);
    if (!plan.model().is_encoder()) {
        out += fmt::format("TTFT            {:.6f} ms\n", s.ttft_s * 1e3);
        if (planned.input.spec.decode > 0) {
            out += fmt::format("TPOT            {:.6f} ms\n", s.tpot_s * 1e3);
        }
    }
    out += fmt::format("energy          {:.6f} J\n", total_j);
    if (s.generated_tokens > 0) {
        out += fmt::format("  energy_per_generated_token_J  {:.6g} ({} generated tokens)\n",
                           stats::per_token(total_j, s.generated_tokens), s.generated_tokens);
    }
    out += fmt::format("  energy_per_processed_token_J  {:.6g} ({} processed tokens)\n",
                       stats::per_token(total_j, s.tokens), s.tokens);
    for (std::size_t i = 0; i < kNumEnergyComponents; ++i) {
        if (t.energy.pj[i] != 0.0) {
            out += fmt::format("  {:<12} {:.6f} mJ ({:.1f} %)\n", kEnergyComponentNames[i],
                               t.energy.pj[i] * 1e-9, 100.0 * t.energy.pj[i] / t.energy.total());
        }
    }
    if (plan.ep() > 1) {
        const cluster::MoeFigures f = cluster::moe_figures(plan, outcome.result.chips);
        out += fmt::format(
            "moe             ep {} ({}): {} expert tokens, load imbalance {:.3f} (max/mean per "
            "chip), {} dropped, {} all-to-all bytes\n",
            plan.ep(), workload::moe_routing_text(spec.cluster.moe), f.expert_rows,
            f.load_imbalance, f.picks_dropped, f.bytes_sent);
    }
    out += fmt::format(
        "ops             {} op shards, {} link bytes, {} events in {} windows, "
        "{:.3f} s wall ({:.3g} events/s)\n",
        t.ops_executed, t.bytes_sent, stats.global_events, stats.windows, stats.local_wall_seconds,
        stats.local_wall_seconds > 0
            ? static_cast<double>(stats.global_events) / stats.local_wall_seconds
            : 0.0);
    return out + format_sync_line(stats);
}

/// "plan search     ...": the choice, and the predicted against the simulated objective.
std::string format_search_outcome(const cluster::PlanSearchResult& r,
                                  const sim::RunOutcome& outcome) {
    const cluster::Objective o = r.objective;
    const double predicted = cluster::objective_display(r.best().prediction, o);
    const double simulated =
        sim::simulated_objective(outcome.summary, outcome.result.totals.energy.total() * 1e-12, o);
    return fmt::format(
        "{}\nplan search     {}: predicted {:.6g} {}, simulated {:.6g} {} ({:+.2f} %)\n",
        cluster::format_search_choice(r), cluster::objective_name(o), predicted,
        cluster::objective_unit(o), simulated, cluster::objective_unit(o),
        simulated != 0.0 ? 100.0 * (predicted - simulated) / simulated : 0.0);
}

}  // namespace ltdes::cli
