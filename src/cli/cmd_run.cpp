// SPDX-License-Identifier: MIT
// `lt-des [run]`: simulate a trace on a cluster of photonic chips. Every rank resolves and
// validates the same inputs (ranks agree on the exit code in run_parallel); rank 0 prints.
#include "cli/commands.hpp"
#include "cli/options.hpp"
#include "cli/parallel.hpp"

#include "ltdes/cluster/op_census.hpp"
#include "ltdes/cluster/plan.hpp"
#include "ltdes/cluster/plan_report.hpp"
#include "ltdes/cluster/topology.hpp"
#include "ltdes/config/cluster_config.hpp"
#include "ltdes/config/run_spec.hpp"
#include "ltdes/core/error.hpp"
#include "ltdes/core/version.hpp"
#include "ltdes/trace/trace_reader.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <utility>

namespace ltdes::cli {

namespace {

cxxopts::Options run_options() {
    cxxopts::Options o("lt-des run", "Simulate a trace on a cluster of photonic chips");
    o.add_options()("trace", "trace file (lt-trace 1)", cxxopts::value<std::string>())(
        "arch", "arch YAML for every chip (replaces the cluster's per-chip archs)",
        cxxopts::value<std::string>())("cluster",
                                       "cluster YAML (default: built-in, see "
                                       "configs/cluster/default.yaml)",
                                       cxxopts::value<std::string>())(
        "tp", "tensor-parallel degree (any of --tp/--pp/--dp defines the plan)",
        cxxopts::value<unsigned>())("pp", "pipeline-parallel degree", cxxopts::value<unsigned>())(
        "dp", "data-parallel degree", cxxopts::value<unsigned>())(
        "microbatches", "pipeline micro-batches per replica", cxxopts::value<unsigned>())(
        "opt", "DOTA optimisation: arch_opt|crossbar|broadcast", cxxopts::value<std::string>())(
        "threads", "TBB threads per rank", cxxopts::value<unsigned>()->default_value("1"))(
        "out", "result file (default <trace stem>.h5)", cxxopts::value<std::string>())(
        "force", "replace an existing result file")(
        "timeline", "full|layers|none", cxxopts::value<std::string>()->default_value("full"))(
        "seed", "random seed", cxxopts::value<unsigned long>())(
        "set", "override a cluster key: KEY=VALUE, dotted path into the cluster YAML (repeatable)",
        cxxopts::value<std::vector<std::string>>())(
        "dry-run", "print the resolved plan and the effective cluster config, then exit")(
        "h,help", "print this help");
    return o;
}

config::RunArgs to_run_args(const cxxopts::ParseResult& a) {
    config::RunArgs r;
    const auto str = [&](const char* name) -> std::optional<std::string> {
        return a.count(name) != 0 ? std::optional(a[name].as<std::string>()) : std::nullopt;
    };
    const auto u32 = [&](const char* name) -> std::optional<std::uint32_t> {
        return a.count(name) != 0 ? std::optional(a[name].as<unsigned>()) : std::nullopt;
    };
    r.trace = str("trace");
    r.arch = str("arch");
    r.cluster = str("cluster");
    r.tp = u32("tp");
    r.pp = u32("pp");
    r.dp = u32("dp");
    r.microbatches = u32("microbatches");
    r.opt = str("opt");
    r.threads = a["threads"].as<unsigned>();
    r.out = str("out");
    r.force = a.count("force") != 0;
    r.timeline = a["timeline"].as<std::string>();
    if (a.count("seed") != 0) {
        r.seed = a["seed"].as<unsigned long>();
    }
    if (a.count("set") != 0) {
        r.sets = a["set"].as<std::vector<std::string>>();
    }
    r.dry_run = a.count("dry-run") != 0;
    return r;
}

/// The plan of the trace's model and workload, and the census of its ops: reads (and so
/// validates) the whole trace, streaming.
std::pair<cluster::Plan, std::unique_ptr<cluster::OpCensus>> plan_trace(
    const config::RunSpec& spec) {
    if (!std::ifstream(spec.trace)) {
        throw TraceError(fmt::format("{}: cannot open the trace file", spec.trace.string()));
    }
    const std::string where = spec.cluster_source == "built-in" ? "plan" : spec.cluster_source;
    trace::TraceReader reader(spec.trace);
    std::pair<cluster::Plan, std::unique_ptr<cluster::OpCensus>> r{
        cluster::Plan(spec.cluster, reader.header().model, reader.header().workload, where),
        nullptr};
    r.second = std::make_unique<cluster::OpCensus>(r.first);
    workload::Op op;
    while (reader.next(op)) {
        r.second->add(op);
    }
    return r;
}

/// Checks --out before any work (CONTRACTS.md §7): the folder must exist, an existing file is
/// replaced only with --force.
void check_out_path(const config::RunSpec& spec) {
    const auto parent = spec.out.parent_path();
    if (!parent.empty() && !std::filesystem::is_directory(parent)) {
        throw OutputError(
            fmt::format("--out {}: the folder {} does not exist (lt-des never "
                        "creates folders)",
                        spec.out.string(), parent.string()));
    }
    if (std::filesystem::exists(spec.out) && !spec.force) {
        throw OutputError(
            fmt::format("--out {}: the file exists; add --force to replace it", spec.out.string()));
    }
}

}  // namespace

int cmd_run(int argc, char** argv) {
    auto options = run_options();
    // Help is answered before MPI starts.
    for (int i = 1; i < argc; ++i) {
        if (std::string(argv[i]) == "--help" || std::string(argv[i]) == "-h") {
            fmt::print("{}", options.help());
            return 0;
        }
    }
    return run_parallel(argc, argv, [&](dist::MpiSession& mpi) {
        const auto args = parse_or_throw(options, argc, argv);
        const config::RunSpec spec = config::resolve_run_spec(to_run_args(args));
        if (!spec.dry_run) {
            check_out_path(spec);
        }
        auto [plan_value, census] = plan_trace(spec);
        const cluster::Plan& plan = plan_value;
        const cluster::Topology topology(spec.cluster, plan.chips());
        // The arch loader is not wired into run yet: the fit assumes the built-in 4-bit arch.
        constexpr std::uint32_t kBits = 4;
        const bool root = to_underlying(mpi.rank()) == 0;
        if (spec.dry_run) {
            if (root) {
                cluster::PlanReportInputs in;
                in.trace = spec.trace.string();
                in.cluster_source = spec.cluster_source;
                in.ranks = mpi.size();
                in.bits = kBits;
                in.census = census.get();
                fmt::print("{}\neffective cluster config (YAML):\n{}",
                           cluster::format_plan_report(spec.cluster, plan, topology, in),
                           config::dump_cluster_yaml(spec.cluster));
            }
            return 0;
        }
        const auto fit = cluster::dram_fit(plan, kBits, spec.cluster.dram.capacity_gib);
        if (root) {
            fmt::print("lt-des {} ({}) on {} rank(s)\n", version(), git_commit(), mpi.size());
            fmt::print("plan: tp {} x pp {} x dp {} = {} chips; {} op instances\n", plan.tp(),
                       plan.pp(), plan.dp(), plan.chips(), census->op_instances());
            if (!fit.fits()) {
                fmt::print(stderr, "lt-des: warning: {}\n", cluster::format_dram_fit(fit, kBits));
            }
            fmt::print(stderr,
                       "lt-des: warning: the cluster simulation is not built yet (issue 7): "
                       "nothing was simulated\n");
        }
        return 0;
    });
}

}  // namespace ltdes::cli
