// SPDX-License-Identifier: MIT
#include "cli/cmd_serve.hpp"

#include "ltdes/cluster/plan.hpp"
#include "ltdes/cluster/topology.hpp"
#include "ltdes/config/arch_loader.hpp"
#include "ltdes/config/cluster_config.hpp"
#include "ltdes/core/error.hpp"
#include "ltdes/des/build_info.hpp"
#include "ltdes/des/partitioner.hpp"
#include "ltdes/dist/mpi_transport.hpp"
#include "ltdes/output/hdf5_result_writer.hpp"
#include "ltdes/output/run_metadata.hpp"
#include "ltdes/photonic/cost_model.hpp"
#include "ltdes/serving/serving_run.hpp"
#include "ltdes/serving/serving_summary.hpp"
#include "ltdes/stats/layer_stats.hpp"
#include "ltdes/stats/run_summary.hpp"
#include "ltdes/trace/trace_reader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

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

/// The chips' cost models, one per distinct arch file (as the op-level run builds them).
class ServingArchs {
public:
    ServingArchs(const config::RunSpec& spec, std::uint32_t chips)
        : key_(chips, 0),
          mem_{spec.cluster.dram.bandwidth_bps, spec.cluster.dram.latency_ns * 1e-9} {
        add(spec.cluster.arch, spec.opt);
        for (const auto& o : spec.cluster.chip_arch) {
            key_[o.chip] = add(o.arch, spec.opt);
        }
    }

    const photonic::ArchSpec& arch(std::uint32_t chip) const { return archs_[key_[chip]]; }

    std::uint32_t key(std::uint32_t chip) const { return key_[chip]; }

    cluster::OpCostFn cost_fn(std::uint32_t chip) const {
        const photonic::CostModel* model = models_[key_[chip]].get();
        const photonic::MemorySpec mem = mem_;
        return [model, mem](const workload::Op& op) {
            const photonic::OpCost c = model->cost(op, mem);
            cluster::OpTiming t;
            // Each op's duration is rounded up to whole picoseconds, as in the op-level run.
            t.duration = SimTime::from_ps(static_cast<std::int64_t>(std::ceil(c.latency_s * 1e12)));
            t.energy = c.energy;
            return t;
        };
    }

private:
    std::uint32_t add(const std::string& path, const std::string& opt) {
        photonic::ArchSpec arch =
            config::load_arch(path.empty() ? std::string(config::kDefaultArchName) : path);
        const auto flag = photonic::parse_opt_flag(opt);
        if (!flag) {
            throw UsageError(
                fmt::format("--opt: expected arch_opt, crossbar or broadcast, got '{}'", opt));
        }
        arch.apply_opt(*flag);
        archs_.push_back(arch);
        models_.push_back(photonic::make_cost_model(archs_.back(), photonic::CostOptions{false}));
        return static_cast<std::uint32_t>(archs_.size() - 1);
    }

    std::vector<std::uint32_t> key_;
    std::vector<photonic::ArchSpec> archs_;
    std::vector<std::unique_ptr<photonic::CostModel>> models_;
    photonic::MemorySpec mem_;
};

std::string own_command_line() {
    std::ifstream in("/proc/self/cmdline", std::ios::binary);
    std::string out;
    for (std::string arg; std::getline(in, arg, '\0');) {
        out += (out.empty() ? "" : " ") + arg;
    }
    return out.empty() ? std::string("lt-des run") : out;
}

/// The /requests and /iterations tables; empties `r.iterations` (rank 0's millions of rows)
/// as its columns are built.
output::ExtraOutput serving_tables(serving::ServingResult& r, const serving::ServingSummary& sum) {
    using output::TableColumn;
    output::ExtraOutput x;
    const std::vector<std::string> status(serving::kRequestStatusNames.begin(),
                                          serving::kRequestStatusNames.end());
    {
        output::ColumnTable t{"requests", "request", {}, r.requests.size()};
        const auto col = [&](std::string name, std::string units, std::string long_name, auto get) {
            using V = decltype(get(r.requests.front()));
            std::vector<V> v;
            v.reserve(r.requests.size());
            for (const auto& q : r.requests) {
                v.push_back(get(q));
            }
            t.columns.push_back(TableColumn{
                std::move(name), std::move(units), std::move(long_name), std::move(v), {}});
        };
        using Q = serving::RequestRow;
        col("request", "1", "request id (trace)", [](const Q& q) { return q.request; });
        col("replica", "1", "replica that served it (-1: rejected)",
            [](const Q& q) { return q.replica; });
        col("arrival", "ps", "arrival at the router", [](const Q& q) { return q.arrival; });
        col("scheduled", "ps", "first admitted into a batch (-1: never)",
            [](const Q& q) { return q.scheduled; });
        col("first_token", "ps", "first token generated (-1: never)",
            [](const Q& q) { return q.first_token; });
        col("completion", "ps", "last token generated (-1: never)",
            [](const Q& q) { return q.completion; });
        col("prompt_tokens", "1", "prompt tokens", [](const Q& q) { return q.prompt_tokens; });
        col("decode_tokens", "1", "generated tokens", [](const Q& q) { return q.decode_tokens; });
        col("preemptions", "1", "times preempted (KV freed, recomputed)",
            [](const Q& q) { return q.preemptions; });
        col("energy", "J", "its token share of the energy of the iterations it ran in",
            [](const Q& q) { return q.energy_j; });
        col("status", "", "completed or rejected",
            [](const Q& q) { return static_cast<std::uint8_t>(q.status); });
        t.columns.back().enum_names = status;
        x.tables.push_back(std::move(t));
    }
    {
        output::ColumnTable t{"iterations", "replica, t_start", {}, r.iteration_count};
        const auto col = [&](std::string name, std::string units, std::string long_name, auto get) {
            using V = decltype(get(r.iterations.front()));
            std::vector<V> v;
            v.reserve(r.iterations.size());
            for (const auto& q : r.iterations) {
                v.push_back(get(q));
            }
            t.columns.push_back(TableColumn{
                std::move(name), std::move(units), std::move(long_name), std::move(v), {}});
        };
        using I = serving::IterationRow;
        col("replica", "1", "replica", [](const I& i) { return i.replica; });
        col("t_start", "ps", "iteration start", [](const I& i) { return i.t_start; });
        col("t_end", "ps", "its tokens exist (last stage done)",
            [](const I& i) { return i.t_end; });
        col("requests", "1", "requests in the batch", [](const I& i) { return i.requests; });
        col("prefill_tokens", "1", "prompt (and recomputed) tokens fed",
            [](const I& i) { return i.prefill_tokens; });
        col("decode_tokens", "1", "decode tokens fed", [](const I& i) { return i.decode_tokens; });
        col("kv_blocks", "1", "KV blocks in use", [](const I& i) { return i.kv_blocks; });
        col("energy", "J", "energy of all the replica's chips and links",
            [](const I& i) { return i.energy_j; });
        r.iterations = {};
        x.tables.push_back(std::move(t));
    }
    for (const auto& [name, v] : sum.attributes()) {
        x.summary_f64.emplace_back(name, v);
    }
    x.summary_i64.emplace_back("kv_capacity_blocks",
                               static_cast<std::int64_t>(r.kv_capacity_blocks));
    x.summary_i64.emplace_back("kv_peak_blocks", static_cast<std::int64_t>(r.kv_peak_blocks));
    return x;
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
        "simulation      {} iterations, {} events in {} windows, {:.3f} s wall ({:.3g} "
        "events/s)\n",
        r.iteration_count, r.stats.global_events, r.stats.windows, r.stats.local_wall_seconds,
        r.stats.local_wall_seconds > 0
            ? static_cast<double>(r.stats.global_events) / r.stats.local_wall_seconds
            : 0.0);
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
    const serving::ServingSpec s = resolve_scheduler(spec.cluster.scheduler, args);
    if (s.fidelity == serving::Fidelity::op) {
        throw UsageError(
            "--fidelity op: not implemented yet for request traces (every op of every iteration "
            "on the chip LPs); use --fidelity iteration");
    }
    cluster::ClusterSpec cluster_spec = spec.cluster;
    cluster_spec.scheduler = s;

    trace::TraceReader reader(spec.trace);
    const workload::ModelShape model = reader.header().model;
    if (model.is_encoder()) {
        throw TraceError(fmt::format("{}: serving needs a decoder model, {} is an encoder",
                                     spec.trace.string(), model.name));
    }
    std::vector<trace::RequestRecord> requests;
    trace::RequestRecord rec;
    while (reader.next_request(rec)) {
        requests.push_back(rec);
    }
    const std::string where = spec.cluster_source == "built-in" ? "plan" : spec.cluster_source;
    // The auto plan sees as many requests as chips, so that every replica is busy.
    const cluster::Plan plan(cluster_spec, model,
                             workload::WorkloadSpec{cluster_spec.chips, 1, 1, 4}, where);
    const ServingArchs archs(spec, plan.chips());
    const std::uint32_t bits = archs.arch(0).in_bit;

    std::uint64_t capacity = UINT64_MAX;
    for (std::uint32_t d = 0; d < plan.dp(); ++d) {
        capacity = std::min(
            capacity, serving::kv_capacity_blocks(plan, d, bits, cluster_spec.dram.capacity_gib,
                                                  s.kv_block_tokens));
    }
    std::vector<std::size_t> rejected;
    for (std::size_t i = 0; i < requests.size(); ++i) {
        const std::string why = serving::unfit_reason(requests[i], s, capacity);
        if (why.empty()) {
            continue;
        }
        if (!s.skip_unfit) {
            throw ConfigError(fmt::format("{}: {} (add --skip-unfit to count it as rejected)",
                                          spec.trace.string(), why));
        }
        rejected.push_back(i);
    }
    if (spec.dry_run) {
        if (root) {
            fmt::print(
                "{}: {} requests, model {}; plan tp {} x pp {} x dp {}; KV {} blocks of {} tokens "
                "per replica; {} unfit\neffective cluster config (YAML):\n{}",
                spec.trace.string(), requests.size(), model.name, plan.tp(), plan.pp(), plan.dp(),
                capacity, s.kv_block_tokens, rejected.size(),
                config::dump_cluster_yaml(cluster_spec));
        }
        return 0;
    }
    if (root && !rejected.empty()) {
        fmt::print(stderr, "lt-des: warning: {} request(s) can never fit a replica: rejected\n",
                   rejected.size());
    }

    output::Hdf5WriterOptions wopts;
    wopts.path = spec.out;
    wopts.force = spec.force;
    wopts.write_timeline = false;
    output::Hdf5ResultWriter writer(wopts);

    output::RunMetadata meta;
    meta.command_line = own_command_line();
    meta.threads_per_rank = spec.threads;
    meta.tbb_version = des::tbb_version();
    meta.mpi_version = dist::mpi_build_version();
    meta.config_yaml = config::dump_cluster_yaml(cluster_spec);
    meta.inputs.push_back({"trace", spec.trace});
    if (spec.cluster_source != "built-in") {
        meta.inputs.push_back({"cluster", spec.cluster_source});
    }
    meta.trace_summary = {{"model", model.name},
                          {"requests", std::to_string(requests.size())},
                          {"version", std::to_string(trace::kRequestTraceFormatVersion)}};
    for (std::uint32_t c = 0; c < plan.chips(); ++c) {
        const auto& a = archs.arch(c);
        meta.chips.push_back({c, a.name, std::string(photonic::core_type_name(a.core_type)),
                              a.num_tiles, a.num_pe_per_tile, a.height, a.width, a.num_wavelength,
                              a.work_freq_ghz, a.in_bit});
    }
    meta.op_kind_names.assign(workload::kOpKindNames.begin(), workload::kOpKindNames.end());
    meta.phase_names.assign(workload::kPhaseNames.begin(), workload::kPhaseNames.end());

    serving::ServingInputs in;
    in.serving = s;
    in.cluster = cluster_spec;
    in.plan = &plan;
    in.requests = std::move(requests);
    in.bits = bits;
    in.cost_of_chip = [&archs](std::uint32_t chip) { return archs.cost_fn(chip); };
    in.arch_key = [&archs](std::uint32_t chip) { return archs.key(chip); };
    in.threads = static_cast<int>(spec.threads);
    dist::MpiTransport transport(mpi);
    const des::BlockPartitioner partitioner;
    serving::ServingResult result;
    try {
        result = serving::run_serving(in, rejected, transport, partitioner);
    } catch (const std::exception& e) {
        writer.fail(meta, e.what());
        throw;
    }
    const serving::ServingSummary sum = serving::summarize(result, s);

    // The run's energy reaches /summary through /layers: one row per replica (phase decode,
    // layer -1) holding all its iterations, written by rank 0 only (which holds the rows).
    std::int64_t last_end = 0;
    for (const auto& q : result.requests) {
        last_end = std::max(last_end, q.completion);
    }
    if (root) {
        for (std::uint32_t d = 0; d < plan.dp(); ++d) {
            stats::LayerStats l;
            l.chip = plan.chip(cluster::ChipCoord{d, 0, 0});
            l.phase = static_cast<std::uint8_t>(workload::Phase::decode);
            l.layer = -1;
            l.t_first_ps = INT64_MAX;
            for (const auto& it : result.iterations) {
                if (it.replica == d) {
                    l.t_first_ps = std::min(l.t_first_ps, it.t_start);
                    l.t_last_ps = std::max(l.t_last_ps, it.t_end);
                    l.busy_ps += it.t_end - it.t_start;
                    ++l.op_count;
                }
            }
            if (l.op_count == 0) {
                l.t_first_ps = 0;
            }
            l.energy = result.replica_energy[d];
            writer.add_layer_stats(l);
        }
    }
    stats::RunSummary summary;
    summary.makespan_s = static_cast<double>(last_end) * 1e-12;
    summary.ttft_s = sum.ttft.mean;
    summary.tpot_s = sum.tpot.mean;
    summary.generated_tokens = sum.generated_tokens;
    for (const auto& q : result.requests) {
        if (q.status == serving::RequestStatus::completed) {
            summary.tokens += q.prompt_tokens + q.decode_tokens;
        }
    }
    writer.set_extra(serving_tables(result, sum));
    output::RankReport report;
    report.events = result.stats.local_events;
    report.timings_s = {{"simulation", result.stats.local_wall_seconds}};
    writer.finish(meta, summary, report);
    if (root) {
        fmt::print("{}", format_serving_summary(spec, plan, s, result, sum, mpi.size()));
    }
    return 0;
}

}  // namespace ltdes::cli
