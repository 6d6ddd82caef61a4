// SPDX-License-Identifier: MIT
// `lt-des [run]`: simulate a trace on a cluster of photonic chips. Parses the options, calls the
// run layer (sim/) on every rank and prints on rank 0; ranks agree on the exit code in
// run_parallel.
#include "cli/checkpoint_options.hpp"
#include "cli/cmd_serve.hpp"
#include "cli/commands.hpp"
#include "cli/options.hpp"
#include "cli/parallel.hpp"
#include "cli/plan_search_options.hpp"
#include "cli/progress_line.hpp"
#include "cli/run_print.hpp"

#include "ltdes/cluster/chip_partition.hpp"
#include "ltdes/cluster/plan_report.hpp"
#include "ltdes/cluster/topology.hpp"
#include "ltdes/config/cluster_config.hpp"
#include "ltdes/config/run_spec.hpp"
#include "ltdes/core/error.hpp"
#include "ltdes/output/output_path.hpp"
#include "ltdes/sim/cluster_simulation.hpp"
#include "ltdes/sim/plan_search_run.hpp"
#include "ltdes/sim/run_report.hpp"
#include "ltdes/trace/request_record.hpp"
#include "ltdes/trace/trace_reader.hpp"

#include <fmt/format.h>

#include <optional>
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
        "ep", "expert-parallel degree: groups of ep replicas share the experts (divides dp)",
        cxxopts::value<unsigned>())("moe-routing",
                                    "MoE router under ep: uniform|round_robin|zipf:S",
                                    cxxopts::value<std::string>())(
        "capacity-factor", "MoE expert capacity factor under ep (0 = none)",
        cxxopts::value<double>())("microbatches", "pipeline micro-batches per replica",
                                  cxxopts::value<unsigned>())(
        "opt", "DOTA optimisation: arch_opt|crossbar|broadcast", cxxopts::value<std::string>())(
        "threads", "TBB threads per rank", cxxopts::value<unsigned>()->default_value("1"))(
        "partition", "chips to ranks: locality|block|round_robin (speed only, never results)",
        cxxopts::value<std::string>()->default_value("locality"))(
        "out", "result file (default <trace stem>.h5)", cxxopts::value<std::string>())(
        "force", "replace an existing result file")(
        "timeline", "full|layers|none", cxxopts::value<std::string>()->default_value("full"))(
        "set", "override a cluster key: KEY=VALUE, dotted path into the cluster YAML (repeatable)",
        cxxopts::value<std::vector<std::string>>())(
        "dry-run", "print the resolved plan and the effective cluster config, then exit")(
        "plan", "auto|search (the same: score every plan that fits, run the best)",
        cxxopts::value<std::string>())(
        "objective",
        "what the plan search optimises: makespan|energy|edp|ttft|tpot|throughput|goodput "
        "(default makespan; goodput for request traces)",
        cxxopts::value<std::string>())(
        "search-csv", "write every plan the search scored, best first, to this CSV file",
        cxxopts::value<std::string>())("h,help", "print this help");
    add_serving_options(o);
    add_checkpoint_options(o);
    return o;
}

config::RunArgs to_run_args(const cxxopts::ParseResult& a) {
    config::RunArgs r;
    const auto str = [&](const char* name) { return optional_arg<std::string>(a, name); };
    const auto u32 = [&](const char* name) { return optional_arg<unsigned>(a, name); };
    r.trace = str("trace");
    r.arch = str("arch");
    r.cluster = str("cluster");
    r.tp = u32("tp");
    r.pp = u32("pp");
    r.dp = u32("dp");
    r.ep = u32("ep");
    r.moe_routing = str("moe-routing");
    r.capacity_factor = optional_arg<double>(a, "capacity-factor");
    r.microbatches = u32("microbatches");
    r.opt = str("opt");
    r.threads = a["threads"].as<unsigned>();
    r.out = str("out");
    r.force = a.count("force") != 0;
    r.timeline = a["timeline"].as<std::string>();
    if (a.count("set") != 0) {
        r.sets = a["set"].as<std::vector<std::string>>();
    }
    r.dry_run = a.count("dry-run") != 0;
    r.flag_sets = serving_flag_sets(a);
    return r;
}

int run_on_rank(const cxxopts::ParseResult& args, const dist::MpiSession& mpi) {
    config::RunSpec spec = config::resolve_run_spec(to_run_args(args));
    const cluster::PartitionKind partition =
        cluster::parse_partition(args["partition"].as<std::string>());
    if (!spec.dry_run) {
        output::check_output_path(spec.out, spec.force);  // before any work
    }
    const sim::CheckpointRequest checkpoint = checkpoint_request(args);
    // The header (and a request trace's requests) read once; a static trace's ops are not.
    trace::RequestTrace trace = trace::read_request_trace(spec.trace);
    const bool request_trace = trace.header.version == trace::kRequestTraceFormatVersion;
    const auto objective = search_objective(args, spec, request_trace);
    if (request_trace) {
        return run_serving_command(spec, std::move(trace), objective, args, mpi);
    }
    const bool root = to_underlying(mpi.rank()) == 0;
    std::optional<sim::SearchedPlan> searched;
    if (objective) {
        searched = sim::search_run_plan(spec, *objective);
        spec = sim::with_searched_plan(spec, searched->result);
        if (root) {
            if (const auto csv = optional_arg<std::string>(args, "search-csv")) {
                write_search_csv(*csv, searched->result);
            }
        }
    }
    sim::PlannedRun planned = sim::plan_run(spec, !spec.dry_run);
    if (searched) {
        planned.config_note = sim::search_config_comment(searched->result);
    }
    const cluster::Plan& plan = planned.plan;
    const sim::ChipArchs archs(spec.cluster, spec.opt, plan.chips());
    const std::uint32_t bits = archs.arch(0).in_bit;
    if (root && planned.input.spec.bits != bits) {
        fmt::print(stderr,
                   "lt-des: warning: {} was generated for {} bits; the arch {} computes at {} "
                   "bits\n",
                   spec.trace.string(), planned.input.spec.bits, archs.arch(0).name, bits);
    }
    if (spec.dry_run) {
        if (root) {
            const cluster::Topology topology(spec.cluster, plan.chips(), plan.tp());
            cluster::PlanReportInputs in{spec.trace.string(), spec.cluster_source, mpi.size(), bits,
                                         planned.census.get()};
            if (searched) {
                in.searched_budget = searched->result.chips;
            }
            if (searched) {
                fmt::print("{}\n",
                           cluster::format_search_report(searched->result, *searched->profile));
            }
            fmt::print("{}\neffective cluster config (YAML):\n{}{}",
                       cluster::format_plan_report(spec.cluster, plan, topology, in),
                       config::dump_cluster_yaml(spec.cluster), planned.config_note);
        }
        return 0;
    }
    const auto fit = cluster::dram_fit(plan, bits, archs.min_capacity_gib());
    if (root && !fit.fits()) {
        fmt::print(stderr, "lt-des: warning: {}\n", cluster::format_dram_fit(fit, bits));
    }
    ProgressLine progress(root, planned.census->expected_events(
                                    cluster::Topology(spec.cluster, plan.chips(), plan.tp()),
                                    spec.cluster.collective));
    const sim::RunOutcome outcome = sim::simulate(
        spec, planned, archs, mpi, [&progress](const des::WindowProgress& p) { progress(p); },
        partition, checkpoint);
    progress.done();
    if (root) {
        fmt::print("{}", format_summary(spec, planned, outcome, mpi.size()));
        if (searched) {
            fmt::print("{}", format_search_outcome(searched->result, outcome));
        }
    }
    return 0;
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
        return run_on_rank(parse_or_throw(options, argc, argv), mpi);
    });
}

}  // namespace ltdes::cli
