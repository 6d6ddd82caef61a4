// SPDX-License-Identifier: MIT
// `lt-des [run]`: simulate a trace on a cluster of photonic chips. Every rank resolves and
// validates the same inputs (ranks agree on the exit code in run_parallel); rank 0 prints.
#include "cli/commands.hpp"
#include "cli/options.hpp"
#include "cli/parallel.hpp"

#include "ltdes/cluster/chip_partition.hpp"
#include "ltdes/cluster/cluster_run.hpp"
#include "ltdes/cluster/op_census.hpp"
#include "ltdes/cluster/plan.hpp"
#include "ltdes/cluster/plan_report.hpp"
#include "ltdes/cluster/run_invariants.hpp"
#include "ltdes/cluster/stage_program.hpp"
#include "ltdes/cluster/topology.hpp"
#include "ltdes/config/arch_loader.hpp"
#include "ltdes/config/cluster_config.hpp"
#include "ltdes/config/run_spec.hpp"
#include "ltdes/core/error.hpp"
#include "ltdes/core/version.hpp"
#include "ltdes/des/build_info.hpp"
#include "ltdes/des/partitioner.hpp"
#include "ltdes/dist/mpi_transport.hpp"
#include "ltdes/output/hdf5_result_writer.hpp"
#include "ltdes/output/run_metadata.hpp"
#include "ltdes/photonic/cost_model.hpp"
#include "ltdes/photonic/device_energies.hpp"
#include "ltdes/stats/layer_accumulator.hpp"
#include "ltdes/stats/run_summary.hpp"
#include "ltdes/stats/timeline_row.hpp"
#include "ltdes/trace/trace_reader.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <unistd.h>
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
        "partition", "chips to ranks: locality|block|round_robin (speed only, never results)",
        cxxopts::value<std::string>()->default_value("locality"))(
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

/// The trace read once, streaming: the plan of its model and workload, the op census and the
/// stage programs the chips run (every rank reads and so validates the whole trace).
struct PlannedTrace {
    workload::WorkloadSpec workload;
    cluster::Plan plan;
    std::unique_ptr<cluster::OpCensus> census;
    std::vector<cluster::StageProgram> programs;
};

PlannedTrace plan_trace(const config::RunSpec& spec, bool build_programs) {
    if (!std::ifstream(spec.trace)) {
        throw TraceError(fmt::format("{}: cannot open the trace file", spec.trace.string()));
    }
    const std::string where = spec.cluster_source == "built-in" ? "plan" : spec.cluster_source;
    trace::TraceReader reader(spec.trace);
    PlannedTrace r{
        reader.header().workload,
        cluster::Plan(spec.cluster, reader.header().model, reader.header().workload, where),
        nullptr,
        {}};
    r.census = std::make_unique<cluster::OpCensus>(r.plan);
    std::optional<cluster::ProgramBuilder> builder;
    if (build_programs) {
        builder.emplace(r.plan);
    }
    workload::Op op;
    while (reader.next(op)) {
        r.census->add(op);
        if (builder) {
            builder->add(op);
        }
    }
    if (builder) {
        r.programs = builder->finish();
    }
    return r;
}

/// Loads an arch (path or built-in name; empty = the built-in default) with --opt applied.
photonic::ArchSpec load_arch_with_opt(const std::string& path, const std::string& opt) {
    photonic::ArchSpec arch =
        config::load_arch(path.empty() ? std::string(config::kDefaultArchName) : path);
    const auto flag = photonic::parse_opt_flag(opt);
    if (!flag) {
        throw UsageError(
            fmt::format("--opt: expected arch_opt, crossbar or broadcast, got '{}'", opt));
    }
    arch.apply_opt(*flag);
    return arch;
}

/// Peak laser power of a chip in mW (for static.enabled): the link-budget laser of every core
/// on at once, T·P·P_laser (lt-model.md §3.3). This is the DOTA power report's laser row; the
/// reference has no power report for the baselines, so they follow the same rule.
double laser_power_mw(const photonic::ArchSpec& arch) {
    return photonic::DeviceEnergies::from(arch).laser_power_mw *
           static_cast<double>(arch.num_tiles) * static_cast<double>(arch.num_pe_per_tile);
}

/// The chips' cost models: one per distinct arch file (--arch or the cluster's, then the
/// per-chip overrides), shared read-only by the chips (they are pure and thread-safe).
class ChipArchs {
public:
    ChipArchs(const config::RunSpec& spec, std::uint32_t chips)
        : chip_model_(chips, 0),
          mem_{spec.cluster.dram.bandwidth_bps, spec.cluster.dram.latency_ns * 1e-9} {
        add(spec.cluster.arch, spec.opt);
        for (const auto& o : spec.cluster.chip_arch) {
            chip_model_[o.chip] = add(o.arch, spec.opt);
        }
    }

    const photonic::ArchSpec& arch(std::uint32_t chip) const { return archs_[chip_model_[chip]]; }

    double laser_mw(std::uint32_t chip) const { return laser_mw_[chip_model_[chip]]; }

    cluster::OpCostFn cost_fn(std::uint32_t chip) const {
        const photonic::CostModel* model = models_[chip_model_[chip]].get();
        const photonic::MemorySpec mem = mem_;
        return [model, mem](const workload::Op& op) {
            const photonic::OpCost c = model->cost(op, mem);
            cluster::OpTiming t;
            // CONTRACTS.md §1: each op's duration is rounded up to whole picoseconds.
            t.duration = SimTime::from_ps(static_cast<std::int64_t>(std::ceil(c.latency_s * 1e12)));
            t.energy = c.energy;
            return t;
        };
    }

private:
    std::size_t add(const std::string& path, const std::string& opt) {
        archs_.push_back(load_arch_with_opt(path, opt));
        models_.push_back(photonic::make_cost_model(archs_.back(), photonic::CostOptions{false}));
        laser_mw_.push_back(laser_power_mw(archs_.back()));
        return archs_.size() - 1;
    }

    std::vector<std::size_t> chip_model_;
    std::vector<photonic::ArchSpec> archs_;
    std::vector<std::unique_ptr<photonic::CostModel>> models_;
    std::vector<double> laser_mw_;
    photonic::MemorySpec mem_;
};

/// Events the run will execute, estimated from the census so that the progress line can give a
/// fraction and an ETA: one per op shard, 2(p−1) chunk messages per chip of a ring all-reduce
/// over p = tp chips, one per pipeline transfer, and one token sent back from the last stage to
/// the first after every pass but the last. 0 (unknown) on the bus, whose relays add events.
std::uint64_t expected_events(const cluster::OpCensus& census,
                              const cluster::Plan& plan,
                              cluster::TopologyKind topology) {
    if (topology == cluster::TopologyKind::bus) {
        return 0;
    }
    const std::uint64_t p = plan.tp();
    const std::uint64_t chunks = census.all_reduce_instances() * 2 * (p - 1) * p;
    const std::uint64_t boundaries = plan.pp() - 1;
    const std::uint64_t transfers = census.pipeline_transfers();
    const std::uint64_t feedback =
        (boundaries == 0 || census.passes() == 0)
            ? 0
            : transfers / boundaries / census.passes() * (census.passes() - 1);
    return census.op_instances() + chunks + transfers + feedback;
}

/// Rank 0's progress line: on a terminal rewritten in place about twice a second, otherwise a
/// plain line every ~10 s (batch logs). Simulated time, events (with the share of the expected
/// total), events/s and an ETA extrapolated from the rate so far.
class Progress {
public:
    Progress(bool enabled, std::uint64_t expected_events)
        : enabled_(enabled), tty_(isatty(fileno(stderr)) != 0), expected_(expected_events) {}

    void operator()(const des::WindowProgress& p) {
        if (!enabled_) {
            return;
        }
        const double interval = tty_ ? 0.5 : 10.0;
        if (p.wall_seconds - last_ < interval) {
            return;
        }
        last_ = p.wall_seconds;
        const double done = static_cast<double>(p.global_events);
        const double rate = p.wall_seconds > 0 ? done / p.wall_seconds : 0.0;
        std::string share;
        if (expected_ > 0 && rate > 0 && p.global_events <= expected_) {
            const double left = static_cast<double>(expected_ - p.global_events);
            share = fmt::format(" of ~{} ({:.0f} %), ETA {:.0f} s", expected_,
                                100.0 * done / static_cast<double>(expected_), left / rate);
        }
        fmt::print(stderr,
                   "{}lt-des: simulated {:.6f} s, {} events{}, {:.3g} events/s, {:.1f} s wall, "
                   "sync {:.0f} %{}",
                   tty_ ? "\r" : "", p.window_end.in_seconds(), p.global_events, share, rate,
                   p.wall_seconds, 100.0 * p.sync_seconds / p.wall_seconds, tty_ ? "" : "\n");
        printed_ = true;
    }

    void done() const {
        if (enabled_ && tty_ && printed_) {
            fmt::print(stderr, "\n");
        }
    }

private:
    bool enabled_;
    bool tty_;
    std::uint64_t expected_;
    double last_ = 0.0;
    bool printed_ = false;
};

/// The command line as typed, from /proc on Linux.
std::string own_command_line() {
    std::ifstream in("/proc/self/cmdline", std::ios::binary);
    std::string out;
    for (std::string arg; std::getline(in, arg, '\0');) {
        out += (out.empty() ? "" : " ") + arg;
    }
    return out.empty() ? std::string("lt-des run") : out;
}

output::RunMetadata run_metadata(const config::RunSpec& spec,
                                 const cluster::Plan& plan,
                                 const ChipArchs& archs) {
    output::RunMetadata m;
    m.command_line = own_command_line();
    m.threads_per_rank = spec.threads;
    m.tbb_version = des::tbb_version();
    m.mpi_version = dist::mpi_build_version();
    m.config_yaml = config::dump_cluster_yaml(spec.cluster);
    m.inputs.push_back({"trace", spec.trace});
    if (spec.cluster_source != "built-in") {
        m.inputs.push_back({"cluster", spec.cluster_source});
    }
    const auto& w = plan.workload();
    m.trace_summary = {{"model", plan.model().name},
                       {"batch", std::to_string(w.batch)},
                       {"prompt", std::to_string(w.prompt)},
                       {"decode", std::to_string(w.decode)}};
    for (std::uint32_t c = 0; c < plan.chips(); ++c) {
        const auto& a = archs.arch(c);
        m.chips.push_back({c, a.name, std::string(photonic::core_type_name(a.core_type)),
                           a.num_tiles, a.num_pe_per_tile, a.height, a.width, a.num_wavelength,
                           a.work_freq_ghz, a.in_bit});
    }
    m.op_kind_names.assign(workload::kOpKindNames.begin(), workload::kOpKindNames.end());
    m.phase_names.assign(workload::kPhaseNames.begin(), workload::kPhaseNames.end());
    return m;
}

/// "sync            R rounds, W windows on the busiest rank (E events/window), per rank
/// compute/sync s ...": where the ranks spent the run.
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
        s += fmt::format(" … ({} ranks)", st.wall_seconds_per_rank.size());
    }
    return s + "\n";
}

std::string format_summary(const config::RunSpec& spec,
                           const cluster::Plan& plan,
                           const cluster::ClusterRunResult& r,
                           const workload::WorkloadSpec& w,
                           int ranks) {
    const auto& t = r.totals;
    const double makespan_s = t.makespan.in_seconds();
    const double total_j = t.energy.total() * 1e-12;
    std::string s;
    s += fmt::format("lt-des run: {} on {} chips (tp {} x pp {} x dp {}, {}), {} rank(s)\n",
                     spec.trace.string(), plan.chips(), plan.tp(), plan.pp(), plan.dp(),
                     cluster::topology_name(spec.cluster.topology), ranks);
    s += fmt::format("makespan        {:.6f} ms\n", makespan_s * 1e3);
    if (!plan.model().is_encoder()) {
        const double ttft = t.prefill_end.in_seconds();
        s += fmt::format("TTFT            {:.6f} ms\n", ttft * 1e3);
        if (w.decode > 0) {
            s += fmt::format("TPOT            {:.6f} ms\n", (makespan_s - ttft) / w.decode * 1e3);
        }
        const double tokens = static_cast<double>(w.batch) * (w.decode + 1);
        s += fmt::format("energy          {:.6f} J ({:.6f} mJ per generated token, {} tokens)\n",
                         total_j, total_j / tokens * 1e3, tokens);
    } else {
        s += fmt::format("energy          {:.6f} J\n", total_j);
    }
    for (std::size_t i = 0; i < kNumEnergyComponents; ++i) {
        if (t.energy.pj[i] != 0.0) {
            s += fmt::format("  {:<12} {:.6f} mJ ({:.1f} %)\n", kEnergyComponentNames[i],
                             t.energy.pj[i] * 1e-9, 100.0 * t.energy.pj[i] / t.energy.total());
        }
    }
    s += fmt::format(
        "ops             {} op shards, {} link bytes, {} events in {} windows, "
        "{:.3f} s wall ({:.3g} events/s)\n",
        t.ops_executed, t.bytes_sent, r.stats.global_events, r.stats.windows,
        r.stats.local_wall_seconds,
        r.stats.local_wall_seconds > 0
            ? static_cast<double>(r.stats.global_events) / r.stats.local_wall_seconds
            : 0.0);
    s += format_sync_line(r.stats);
    return s;
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
        const cluster::PartitionKind partition =
            cluster::parse_partition(args["partition"].as<std::string>());
        if (partition == cluster::PartitionKind::round_robin &&
            spec.timeline == config::TimelineMode::full && mpi.size() > 1) {
            throw UsageError(
                "--partition round_robin needs --timeline layers or none (the timeline is written "
                "in chip order, which needs each rank to own a block of chips)");
        }
        if (!spec.dry_run) {
            check_out_path(spec);
        }
        const bool root = to_underlying(mpi.rank()) == 0;
        PlannedTrace planned = plan_trace(spec, !spec.dry_run);
        const cluster::Plan& plan = planned.plan;
        const cluster::Topology topology(spec.cluster, plan.chips());
        const ChipArchs archs(spec, plan.chips());
        const std::uint32_t bits = archs.arch(0).in_bit;
        if (root && planned.workload.bits != bits) {
            fmt::print(stderr,
                       "lt-des: warning: {} was generated for {} bits; the arch {} computes at {} "
                       "bits\n",
                       spec.trace.string(), planned.workload.bits, archs.arch(0).name, bits);
        }
        if (spec.dry_run) {
            if (root) {
                cluster::PlanReportInputs in;
                in.trace = spec.trace.string();
                in.cluster_source = spec.cluster_source;
                in.ranks = mpi.size();
                in.bits = bits;
                in.census = planned.census.get();
                fmt::print("{}\neffective cluster config (YAML):\n{}",
                           cluster::format_plan_report(spec.cluster, plan, topology, in),
                           config::dump_cluster_yaml(spec.cluster));
            }
            return 0;
        }
        const auto fit = cluster::dram_fit(plan, bits, spec.cluster.dram.capacity_gib);
        if (root && !fit.fits()) {
            fmt::print(stderr, "lt-des: warning: {}\n", cluster::format_dram_fit(fit, bits));
        }
        // Every rank opens the writer before the run: a bad --out fails before any work.
        output::Hdf5WriterOptions wopts;
        wopts.path = spec.out;
        wopts.force = spec.force;
        wopts.write_timeline = spec.timeline == config::TimelineMode::full;
        output::Hdf5ResultWriter writer(wopts);
        cluster::ClusterRunInputs in;
        in.spec = spec.cluster;
        in.plan = &plan;
        in.programs = &planned.programs;
        in.cost_of_chip = [&archs](std::uint32_t chip) { return archs.cost_fn(chip); };
        in.laser_power_mw = [&archs](std::uint32_t chip) { return archs.laser_mw(chip); };
        in.bits = bits;
        in.threads = static_cast<int>(spec.threads);
        in.keep_records = spec.timeline == config::TimelineMode::full;
        in.keep_layers = true;
        in.record_sink = [&writer](std::vector<cluster::OpRecord>&& records) {
            for (const cluster::OpRecord& rec : records) {
                writer.add_row(cluster::to_timeline_row(rec));
            }
        };
        Progress progress(root, expected_events(*planned.census, plan, spec.cluster.topology));
        in.progress = [&progress](const des::WindowProgress& p) { progress(p); };
        dist::MpiTransport transport(mpi);
        const auto partitioner = cluster::make_partitioner(partition, plan);
        cluster::ClusterRunResult result;
        try {
            result = cluster::run_cluster(in, transport, *partitioner);
            progress.done();
            cluster::check_run_invariants(result.totals, planned.census->op_instances());
        } catch (const std::exception& e) {
            // The ranks agree on a failure (the kernel rethrows it everywhere; the invariants
            // see the same gathered totals), so every rank can mark the file failed.
            writer.fail(run_metadata(spec, plan, archs), e.what());
            throw;
        }

        for (const cluster::OpRecord& rec : result.local_records) {
            writer.add_row(cluster::to_timeline_row(rec));
        }
        result.local_records.clear();
        result.local_records.shrink_to_fit();
        for (const auto& partial : result.local_layers) {
            writer.add_layer_stats(partial);
        }
        // Static energy has no op to belong to: one row per chip over the whole run.
        if (spec.cluster.static_power.enabled) {
            for (std::uint32_t c = 0; c < plan.chips(); ++c) {
                // The rank that owns the chip writes its row (the writer wants chips in
                // ascending blocks of ranks).
                if (partitioner->rank_of(
                        LpId{c},
                        plan.chips() +
                            (spec.cluster.topology == cluster::TopologyKind::bus ? 1U : 0U),
                        mpi.size()) != mpi.rank()) {
                    continue;
                }
                stats::TimelineRow row;
                row.chip = c;
                row.t_end_ps = result.totals.makespan.in_ps();
                row.resource = stats::Resource::core;
                row.energy[EnergyComponent::static_power] =
                    result.chips[c].energy[EnergyComponent::static_power];
                writer.add_row(row);
                stats::LayerAccumulator one;
                one.add(row);
                for (const auto& partial : one.partials()) {
                    writer.add_layer_stats(partial);
                }
            }
        }
        const auto& w = planned.workload;
        stats::RunSummary summary;
        summary.makespan_s = result.totals.makespan.in_seconds();
        if (!plan.model().is_encoder()) {
            summary.ttft_s = result.totals.prefill_end.in_seconds();
            if (w.decode > 0) {
                summary.tpot_s = (summary.makespan_s - summary.ttft_s) / w.decode;
            }
            summary.generated_tokens = std::uint64_t{w.batch} * (w.decode + 1);
        }
        summary.tokens = std::uint64_t{w.batch} * (w.prompt + w.decode);
        for (const auto& chip : result.chips) {
            summary.chip_utilization.push_back(
                result.totals.makespan > SimTime::zero()
                    ? static_cast<double>(chip.cores_work.in_ps()) /
                          static_cast<double>(result.totals.makespan.in_ps())
                    : 0.0);
        }
        output::RankReport report;
        report.events = result.stats.local_events;
        const double sync_s =
            result.stats.sync_seconds_per_rank[static_cast<std::size_t>(to_underlying(mpi.rank()))];
        report.timings_s = {{"simulation", result.stats.local_wall_seconds},
                            {"compute", result.stats.local_wall_seconds - sync_s},
                            {"sync", sync_s}};
        report.windows =
            result.stats.windows_per_rank[static_cast<std::size_t>(to_underlying(mpi.rank()))];
        report.rounds = result.stats.rounds;
        writer.finish(run_metadata(spec, plan, archs), summary, report);
        if (root) {
            fmt::print("{}", format_summary(spec, plan, result, planned.workload, mpi.size()));
        }
        return 0;
    });
}

}  // namespace ltdes::cli
