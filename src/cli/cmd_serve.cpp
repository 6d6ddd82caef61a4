// SPDX-License-Identifier: MIT
#include "cli/cmd_serve.hpp"

#include "cli/checkpoint_options.hpp"
#include "cli/options.hpp"

#include "ltdes/cluster/plan.hpp"
#include "ltdes/cluster/topology.hpp"
#include "ltdes/config/cluster_config.hpp"
#include "ltdes/core/error.hpp"
#include "ltdes/dist/mpi_transport.hpp"
#include "ltdes/serving/serving_run.hpp"
#include "ltdes/serving/serving_summary.hpp"
#include "ltdes/sim/serving_search_run.hpp"
#include "ltdes/sim/serving_simulation.hpp"
#include "ltdes/trace/trace_reader.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <fstream>
#include <numeric>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace ltdes::cli {

namespace {

std::string format_serving_summary(const config::RunSpec& spec,
                                   const cluster::Plan& plan,
                                   const serving::ServingSpec& s,
                                   const serving::ServingResult& r,
                                   const serving::ServingSummary& sum,
                                   int ranks) {
    std::string o;
    o += fmt::format(
        "lt-des run: {} served on {} chips ({} replicas of tp {} x pp {}, {}), {} rank(s)\n",
        spec.trace.string(), plan.chips(), plan.dp(), plan.tp(), plan.pp(),
        cluster::topology_name(spec.cluster.topology), ranks);
    o += fmt::format(
        "scheduler       {}{}, max batch {}, {} tokens/iteration, router {}, KV {} blocks of {} "
        "tokens per replica (peak {})\n",
        serving::kSchedulerModeNames[static_cast<std::size_t>(s.scheduler)],
        s.chunked_prefill ? " (chunked prefill)" : "", s.max_batch, s.max_batched_tokens,
        serving::kRouterPolicyNames[static_cast<std::size_t>(s.router)], r.kv_capacity_blocks,
        s.kv_block_tokens, r.kv_peak_blocks);
    o += fmt::format("requests        {} completed, {} rejected, {} preemptions\n",
                     sum.requests_completed, sum.requests_rejected, sum.preemptions);
    const auto lat = [&](const char* name, const serving::LatencyStats& l) {
        o += fmt::format("{:<15} mean {:.6f} ms, p50 {:.6f}, p90 {:.6f}, p99 {:.6f} ms\n", name,
                         l.mean * 1e3, l.p50 * 1e3, l.p90 * 1e3, l.p99 * 1e3);
    };
    if (sum.requests_completed == 0) {
        // Every figure per completed request is undefined (NaN in /summary): say so once.
        o += "served          nothing: no request completed (latencies, throughput and goodput "
             "are NaN in /summary)\n";
        o += fmt::format("energy          {:.6f} J\n", sum.energy_j);
    } else {
        lat("TTFT", sum.ttft);
        lat("TPOT", sum.tpot);
        lat("end-to-end", sum.e2e);
        o += fmt::format("throughput      {:.4f} requests/s, {:.2f} tokens/s over {:.3f} s\n",
                         sum.throughput_rps, sum.throughput_tps, sum.duration_s);
        o += fmt::format("goodput         {:.4f} requests/s (SLO TTFT {} s, TPOT {} s; 0 = none)\n",
                         sum.goodput_rps, s.slo_ttft_s, s.slo_tpot_s);
        o += fmt::format(
            "energy          {:.6f} J ({:.6f} J per request, {:.6f} mJ per generated "
            "token)\n",
            sum.energy_j, sum.energy_per_request_j, sum.energy_per_generated_token_j * 1e3);
    }
    o += fmt::format(
        "simulation      {} iterations, {} events in {} windows ({} rounds), {:.3f} s wall "
        "({:.3g} events/s, {:.3f} s of it synchronising)\n",
        r.iteration_count, r.stats.global_events, r.stats.windows, r.stats.rounds,
        r.stats.local_wall_seconds,
        r.stats.local_wall_seconds > 0
            ? static_cast<double>(r.stats.global_events) / r.stats.local_wall_seconds
            : 0.0,
        r.stats.sync_seconds_per_rank.empty() ? 0.0 : r.stats.sync_seconds_per_rank[0]);
    const auto total = [](const std::vector<std::uint64_t>& v) {
        return std::accumulate(v.begin(), v.end(), std::uint64_t{0});
    };
    if (total(r.costs_computed) + total(r.costs_cached) > 0) {
        // Costs computed per rank show how well the ranks share them (docs/serving.md).
        o += fmt::format(
            "costs           {} iteration costs computed ({} per rank), {} from the "
            "caches, {} shared by other ranks{}\n",
            total(r.costs_computed), fmt::join(r.costs_computed, " / "), total(r.costs_cached),
            total(r.costs_adopted),
            total(r.costs_ahead) == 0
                ? std::string()
                : fmt::format("; {} computed ahead for lone requests in {:.3f} s",
                              total(r.costs_ahead), r.costs_ahead_seconds));
    }
    if (r.forecasts_sent + r.forecasts_by_router > 0) {
        o += fmt::format(
            "forecasts       {} completions forecast by the router, {} by their replicas; {} "
            "counted by the router before their notice; {} notices not sent (forecasts that "
            "held)\n",
            r.forecasts_by_router, r.forecasts_sent, r.forecasts_used, r.notices_spared);
    }
    return o;
}

}  // namespace

void add_serving_options(cxxopts::Options& options) {
    options.add_options("serving (request traces)")(
        "scheduler", "continuous|static (default: the cluster's scheduler.mode)",
        cxxopts::value<std::string>())("max-batch", "running requests per iteration",
                                       cxxopts::value<unsigned>())(
        "max-batched-tokens", "tokens per iteration", cxxopts::value<unsigned>())(
        "chunked-prefill", "prefill chunks share the token budget with decodes (Sarathi)")(
        "router", "least_outstanding|round_robin|least_outstanding_lowest_id",
        cxxopts::value<std::string>())(
        "dispatch-latency", "router to replica latency, microseconds (> 0)",
        cxxopts::value<double>())("fidelity", "iteration|op", cxxopts::value<std::string>())(
        "skip-unfit", "reject requests that can never fit a replica instead of failing")(
        "slo-ttft", "goodput SLO on time to first token, s", cxxopts::value<double>())(
        "slo-tpot", "goodput SLO on time per output token, s", cxxopts::value<double>());
}

std::vector<config::FlagSet> serving_flag_sets(const cxxopts::ParseResult& a) {
    std::vector<config::FlagSet> out;
    const auto add = [&](const char* flag, const char* key, const std::string& value) {
        out.push_back(config::FlagSet{fmt::format("scheduler.{}={}", key, value),
                                      fmt::format("--{} {}", flag, value)});
    };
    if (a.count("scheduler") != 0) {
        add("scheduler", "mode", a["scheduler"].as<std::string>());
    }
    if (a.count("max-batch") != 0) {
        add("max-batch", "max_batch", std::to_string(a["max-batch"].as<unsigned>()));
    }
    if (a.count("max-batched-tokens") != 0) {
        add("max-batched-tokens", "max_batched_tokens",
            std::to_string(a["max-batched-tokens"].as<unsigned>()));
    }
    if (a.count("chunked-prefill") != 0) {
        out.push_back({"scheduler.chunked_prefill=true", "--chunked-prefill"});
    }
    if (a.count("router") != 0) {
        add("router", "router", a["router"].as<std::string>());
    }
    if (a.count("dispatch-latency") != 0) {
        // The flag is in microseconds, the key in nanoseconds.
        out.push_back(config::FlagSet{
            fmt::format("scheduler.dispatch_latency_ns={}",
                        a["dispatch-latency"].as<double>() * 1e3),
            fmt::format("--dispatch-latency {}", a["dispatch-latency"].as<double>())});
    }
    if (a.count("fidelity") != 0) {
        add("fidelity", "fidelity", a["fidelity"].as<std::string>());
    }
    if (a.count("skip-unfit") != 0) {
        out.push_back({"scheduler.skip_unfit=true", "--skip-unfit"});
    }
    if (a.count("slo-ttft") != 0) {
        add("slo-ttft", "slo_ttft_s", fmt::format("{}", a["slo-ttft"].as<double>()));
    }
    if (a.count("slo-tpot") != 0) {
        add("slo-tpot", "slo_tpot_s", fmt::format("{}", a["slo-tpot"].as<double>()));
    }
    return out;
}

int run_serving_command(const config::RunSpec& run_spec,
                        trace::RequestTrace trace,
                        std::optional<cluster::Objective> objective,
                        const cxxopts::ParseResult& args,
                        const dist::MpiSession& mpi) {
    const bool root = to_underlying(mpi.rank()) == 0;
    config::RunSpec spec = run_spec;
    dist::MpiTransport transport(mpi);
    std::optional<serving::ServingSearchResult> searched;
    if (objective) {
        searched = sim::search_serving_plan(spec, trace, *objective, &transport);
        spec = sim::with_searched_serving_plan(spec, *searched);
        if (root) {
            if (const auto csv = optional_arg<std::string>(args, "search-csv")) {
                std::ofstream f(*csv);
                f << serving::format_serving_search_csv(*searched);
                if (!f) {
                    throw OutputError(fmt::format("{}: cannot write the plan search CSV", *csv));
                }
            }
        }
    }
    const sim::ServingSetup setup = sim::plan_serving(spec, std::move(trace));
    const serving::ServingSpec& s = setup.cluster.scheduler;
    const cluster::Plan& plan = *setup.plan;
    if (spec.dry_run) {
        if (root) {
            if (searched) {
                fmt::print("{}\n", serving::format_serving_search_report(*searched));
            }
            const std::uint32_t budget = run_spec.cluster.chips;
            fmt::print(
                "{}: {} requests, model {}; plan tp {} x pp {} x dp {} ({}{}); KV {} blocks of {} "
                "tokens per replica; {} unfit\neffective cluster config (YAML):\n{}",
                spec.trace.string(), setup.requests.size(), setup.model.name, plan.tp(), plan.pp(),
                plan.dp(),
                searched ? "searched" : (run_spec.cluster.plan.automatic ? "auto" : "explicit"),
                searched && budget > plan.chips()
                    ? fmt::format("; {} of {} chips busy, {} idle", plan.chips(), budget,
                                  budget - plan.chips())
                    : std::string(),
                setup.kv_capacity_blocks, s.kv_block_tokens, setup.rejected.size(),
                config::dump_cluster_yaml(setup.cluster));
        }
        return 0;
    }
    if (root && !setup.rejected.empty()) {
        fmt::print(stderr, "lt-des: warning: {} request(s) can never fit a replica: rejected\n",
                   setup.rejected.size());
    }
    const sim::CheckpointRequest checkpoint = checkpoint_request(args);
    const sim::ServingOutcome out = sim::simulate_serving(setup, spec, transport, checkpoint);
    if (root) {
        fmt::print("{}",
                   format_serving_summary(spec, plan, s, out.result, out.summary, mpi.size()));
        if (searched) {
            const cluster::Objective o = searched->objective;
            const double predicted =
                serving::serving_objective_display(searched->best().prediction, o);
            const double simulated = sim::simulated_serving_objective(out.summary, o);
            const std::string unit(serving::serving_objective_unit(o));
            fmt::print(
                "{}\nplan search     {}: predicted {:.6g} {}, {}\n",
                serving::format_serving_search_choice(*searched), cluster::objective_name(o),
                predicted, unit,
                out.summary.requests_completed == 0
                    ? std::string("simulated nothing (no request completed)")
                    : fmt::format(
                          "simulated {:.6g} {} ({:+.2f} %)", simulated, unit,
                          simulated != 0.0 ? 100.0 * (predicted - simulated) / simulated : 0.0));
        }
    }
    return 0;
}

}  // namespace ltdes::cli
