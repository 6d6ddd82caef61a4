// SPDX-License-Identifier: MIT
#include "cli/cmd_serve.hpp"

#include "cli/checkpoint_options.hpp"

#include "ltdes/cluster/plan.hpp"
#include "ltdes/cluster/topology.hpp"
#include "ltdes/config/cluster_config.hpp"
#include "ltdes/core/error.hpp"
#include "ltdes/dist/mpi_transport.hpp"
#include "ltdes/serving/serving_run.hpp"
#include "ltdes/serving/serving_summary.hpp"
#include "ltdes/sim/serving_simulation.hpp"
#include "ltdes/trace/trace_reader.hpp"

#include <fmt/format.h>

#include <fstream>
#include <string>

namespace ltdes::cli {

namespace {

template <std::size_t N>
std::size_t parse_name(const std::string& flag,
                       const std::string& value,
                       const std::array<std::string_view, N>& names) {
    for (std::size_t i = 0; i < N; ++i) {
        if (names[i] == value) {
            return i;
        }
    }
    throw UsageError(
        fmt::format("--{}: expected {}, got '{}'", flag, fmt::join(names, " or "), value));
}

/// The scheduler of the cluster spec with the command line's serving flags applied.
cluster::SchedulerSpec resolve_scheduler(const cluster::SchedulerSpec& base,
                                         const cxxopts::ParseResult& a) {
    cluster::SchedulerSpec s = base;
    if (a.count("scheduler") != 0) {
        s.scheduler = static_cast<cluster::SchedulerMode>(parse_name(
            "scheduler", a["scheduler"].as<std::string>(), cluster::kSchedulerModeNames));
    }
    if (a.count("max-batch") != 0) {
        s.max_batch = a["max-batch"].as<unsigned>();
    }
    if (a.count("max-batched-tokens") != 0) {
        s.max_batched_tokens = a["max-batched-tokens"].as<unsigned>();
    }
    if (a.count("chunked-prefill") != 0) {
        s.chunked_prefill = true;
    }
    if (a.count("router") != 0) {
        s.router = static_cast<cluster::RouterPolicy>(
            parse_name("router", a["router"].as<std::string>(), cluster::kRouterPolicyNames));
    }
    if (a.count("dispatch-latency") != 0) {
        s.dispatch_latency_ns = a["dispatch-latency"].as<double>() * 1e3;
    }
    if (a.count("fidelity") != 0) {
        s.fidelity = static_cast<cluster::Fidelity>(
            parse_name("fidelity", a["fidelity"].as<std::string>(), cluster::kFidelityNames));
    }
    if (a.count("skip-unfit") != 0) {
        s.skip_unfit = true;
    }
    if (a.count("slo-ttft") != 0) {
        s.slo_ttft_s = a["slo-ttft"].as<double>();
    }
    if (a.count("slo-tpot") != 0) {
        s.slo_tpot_s = a["slo-tpot"].as<double>();
    }
    s.validate("command line");
    return s;
}

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
    o += fmt::format(
        "simulation      {} iterations, {} events in {} windows ({} rounds), {:.3f} s wall "
        "({:.3g} events/s, {:.3f} s of it synchronising)\n",
        r.iteration_count, r.stats.global_events, r.stats.windows, r.stats.rounds,
        r.stats.local_wall_seconds,
        r.stats.local_wall_seconds > 0
            ? static_cast<double>(r.stats.global_events) / r.stats.local_wall_seconds
            : 0.0,
        r.stats.sync_seconds_per_rank.empty() ? 0.0 : r.stats.sync_seconds_per_rank[0]);
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
        "router", "least_outstanding|round_robin", cxxopts::value<std::string>())(
        "dispatch-latency", "router to replica latency, microseconds (> 0)",
        cxxopts::value<double>())("fidelity", "iteration|op", cxxopts::value<std::string>())(
        "skip-unfit", "reject requests that can never fit a replica instead of failing")(
        "slo-ttft", "goodput SLO on time to first token, s", cxxopts::value<double>())(
        "slo-tpot", "goodput SLO on time per output token, s", cxxopts::value<double>());
}

bool is_request_trace(const std::filesystem::path& trace) {
    if (!std::ifstream(trace)) {
        return false;  // the run path reports the unreadable file
    }
    const trace::TraceReader reader(trace);
    return reader.header().version == trace::kRequestTraceFormatVersion;
}

int run_serving_command(const config::RunSpec& spec,
                        const cxxopts::ParseResult& args,
                        const dist::MpiSession& mpi) {
    const bool root = to_underlying(mpi.rank()) == 0;
    const sim::ServingSetup setup =
        sim::plan_serving(spec, resolve_scheduler(spec.cluster.scheduler, args));
    const serving::ServingSpec& s = setup.cluster.scheduler;
    const cluster::Plan& plan = *setup.plan;
    if (spec.dry_run) {
        if (root) {
            fmt::print(
                "{}: {} requests, model {}; plan tp {} x pp {} x dp {}; KV {} blocks of {} tokens "
                "per replica; {} unfit\neffective cluster config (YAML):\n{}",
                spec.trace.string(), setup.requests.size(), setup.model.name, plan.tp(), plan.pp(),
                plan.dp(), setup.kv_capacity_blocks, s.kv_block_tokens, setup.rejected.size(),
                config::dump_cluster_yaml(setup.cluster));
        }
        return 0;
    }
    if (root && !setup.rejected.empty()) {
        fmt::print(stderr, "lt-des: warning: {} request(s) can never fit a replica: rejected\n",
                   setup.rejected.size());
    }
    const sim::CheckpointRequest checkpoint = checkpoint_request(args);
    if (checkpoint.any() && s.fidelity == cluster::Fidelity::op) {
        throw UsageError(
            "--checkpoint/--restart: a serving run at --fidelity op cannot be checkpointed yet "
            "(use --fidelity iteration)");
    }
    dist::MpiTransport transport(mpi);
    const sim::ServingOutcome out = sim::simulate_serving(setup, spec, transport, checkpoint);
    if (root) {
        fmt::print("{}",
                   format_serving_summary(spec, plan, s, out.result, out.summary, mpi.size()));
    }
    return 0;
}

}  // namespace ltdes::cli
