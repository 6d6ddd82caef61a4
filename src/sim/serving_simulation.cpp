// SPDX-License-Identifier: MIT
#include "ltdes/sim/serving_simulation.hpp"

#include "ltdes/config/cluster_config.hpp"
#include "ltdes/core/error.hpp"
#include "ltdes/core/huge_pages.hpp"
#include "ltdes/core/interrupted.hpp"
#include "ltdes/des/build_info.hpp"
#include "ltdes/des/partitioner.hpp"
#include "ltdes/dist/mpi_transport.hpp"
#include "ltdes/output/column_table.hpp"
#include "ltdes/output/hdf5_result_writer.hpp"
#include "ltdes/output/output_path.hpp"
#include "ltdes/output/run_metadata.hpp"
#include "ltdes/sim/run_report.hpp"
#include "ltdes/stats/layer_stats.hpp"
#include "ltdes/stats/run_summary.hpp"
#include "ltdes/trace/trace_reader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace ltdes::sim {

namespace {

/// One column of `rows`, built by `get`, appended to `t`.
template <class Row, class Get>
void add_column(output::ColumnTable& t,
                const std::vector<Row>& rows,
                std::string name,
                std::string units,
                std::string long_name,
                Get get) {
    using V = decltype(get(rows.front()));
    std::vector<V> v;
    reserve_huge(v, rows.size());
    for (const Row& r : rows) {
        v.push_back(get(r));
    }
    t.columns.push_back(output::TableColumn{
        std::move(name), std::move(units), std::move(long_name), std::move(v), {}});
}

/// The /requests and /iterations tables; empties `r.iterations` (millions of rows) as its
/// columns are built. Each rank writes the iteration rows it holds.
output::ExtraOutput serving_tables(serving::ServingResult& r, const serving::ServingSummary& sum) {
    output::ExtraOutput x;
    {
        using Q = serving::RequestRow;
        const auto& q = r.requests;
        output::ColumnTable t{"requests", "request", {}, q.size()};
        add_column(t, q, "request", "1", "request id (trace)",
                   [](const Q& e) { return e.request; });
        add_column(t, q, "replica", "1", "replica that served it (-1: rejected)",
                   [](const Q& e) { return e.replica; });
        add_column(t, q, "arrival", "ps", "arrival at the router",
                   [](const Q& e) { return e.arrival; });
        add_column(t, q, "scheduled", "ps", "first admitted into a batch (-1: never)",
                   [](const Q& e) { return e.scheduled; });
        add_column(t, q, "first_token", "ps", "first token generated (-1: never)",
                   [](const Q& e) { return e.first_token; });
        add_column(t, q, "completion", "ps", "last token generated (-1: never)",
                   [](const Q& e) { return e.completion; });
        add_column(t, q, "prompt_tokens", "1", "prompt tokens",
                   [](const Q& e) { return e.prompt_tokens; });
        add_column(t, q, "decode_tokens", "1", "generated tokens",
                   [](const Q& e) { return e.decode_tokens; });
        add_column(t, q, "preemptions", "1", "times preempted (KV freed, recomputed)",
                   [](const Q& e) { return e.preemptions; });
        add_column(t, q, "energy", "J", "its token share of the energy of the iterations it ran in",
                   [](const Q& e) { return e.energy_j; });
        add_column(t, q, "status", "", "completed or rejected",
                   [](const Q& e) { return static_cast<std::uint8_t>(e.status); });
        t.columns.back().enum_names.assign(serving::kRequestStatusNames.begin(),
                                           serving::kRequestStatusNames.end());
        x.tables.push_back(std::move(t));
    }
    {
        using I = serving::IterationRow;
        const auto& it = r.iterations;
        output::ColumnTable t{
            "iterations", "replica, t_start", {}, r.iteration_count, r.iteration_first};
        add_column(t, it, "replica", "1", "replica", [](const I& e) { return e.replica; });
        add_column(t, it, "t_start", "ps", "iteration start", [](const I& e) { return e.t_start; });
        add_column(t, it, "t_end", "ps", "its tokens exist (last stage done)",
                   [](const I& e) { return e.t_end; });
        add_column(t, it, "requests", "1", "requests in the batch",
                   [](const I& e) { return e.requests; });
        add_column(t, it, "prefill_tokens", "1", "prompt (and recomputed) tokens fed",
                   [](const I& e) { return e.prefill_tokens; });
        add_column(t, it, "decode_tokens", "1", "decode tokens fed",
                   [](const I& e) { return e.decode_tokens; });
        add_column(t, it, "kv_blocks", "1", "KV blocks in use",
                   [](const I& e) { return e.kv_blocks; });
        add_column(t, it, "energy", "J", "energy of all the replica's chips and links",
                   [](const I& e) { return e.energy_j; });
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

output::RunMetadata serving_metadata(const ServingSetup& setup, const config::RunSpec& spec) {
    output::RunMetadata meta;
    meta.command_line = own_command_line();
    meta.threads_per_rank = spec.threads;
    meta.tbb_version = des::tbb_version();
    meta.mpi_version = dist::mpi_build_version();
    meta.config_yaml = config::dump_cluster_yaml(setup.cluster);
    meta.inputs.push_back({"trace", spec.trace});
    if (spec.cluster_source != "built-in") {
        meta.inputs.push_back({"cluster", spec.cluster_source});
    }
    for (auto& f : setup.archs->input_files()) {
        meta.inputs.push_back(std::move(f));
    }
    meta.trace_summary = {{"model", setup.model.name},
                          {"requests", std::to_string(setup.requests.size())},
                          {"version", std::to_string(trace::kRequestTraceFormatVersion)}};
    meta.chips = setup.archs->hardware();
    meta.op_kind_names.assign(workload::kOpKindNames.begin(), workload::kOpKindNames.end());
    meta.phase_names.assign(workload::kPhaseNames.begin(), workload::kPhaseNames.end());
    return meta;
}

/// One /layers row per replica (phase decode, layer -1) holding all its iterations, so that
/// /summary's energy keeps its meaning; rank 0 writes them.
void add_replica_rows(output::Hdf5ResultWriter& writer,
                      const cluster::Plan& plan,
                      const serving::ServingResult& r) {
    for (std::uint32_t d = 0; d < plan.dp(); ++d) {
        const serving::ServingResult::ReplicaBusy& b = r.replica_busy[d];
        stats::LayerStats l;
        l.chip = plan.chip(cluster::ChipCoord{d, 0, 0});
        l.phase = static_cast<std::uint8_t>(workload::Phase::decode);
        l.layer = -1;
        l.t_first_ps = b.first_start;
        l.t_last_ps = b.last_end;
        l.busy_ps = b.busy;
        l.op_count = b.iterations;
        l.energy = r.replica_energy[d];
        writer.add_layer_stats(l);
    }
}

stats::RunSummary run_summary(const serving::ServingResult& r, const serving::ServingSummary& s) {
    std::int64_t last_end = 0;
    stats::RunSummary summary;
    for (const auto& q : r.requests) {
        last_end = std::max(last_end, q.completion);
        if (q.status == serving::RequestStatus::completed) {
            summary.tokens += q.prompt_tokens + q.decode_tokens;
        }
    }
    summary.makespan_s = static_cast<double>(last_end) * 1e-12;
    summary.ttft_s = s.ttft.mean;
    summary.tpot_s = s.tpot.mean;
    summary.generated_tokens = s.generated_tokens;
    return summary;
}

}  // namespace

ServingSetup plan_serving(const config::RunSpec& spec, trace::RequestTrace trace) {
    ServingSetup setup;
    setup.cluster = spec.cluster;
    const serving::ServingSpec& scheduler = spec.cluster.scheduler;
    setup.model = trace.header.model;
    if (setup.model.is_encoder()) {
        throw TraceError(fmt::format("{}: serving needs a decoder model, {} is an encoder",
                                     spec.trace.string(), setup.model.name));
    }
    setup.requests = std::move(trace.requests);
    const std::string where = spec.cluster_source == "built-in" ? "plan" : spec.cluster_source;
    if (!setup.cluster.plan.automatic && setup.cluster.plan.ep > 1) {
        throw ConfigError(fmt::format(
            "{}: ep = {}: expert parallelism covers static traces; serving a request trace keeps "
            "the experts on every chip (docs/cluster.md, \"Expert parallelism\")",
            where, setup.cluster.plan.ep));
    }
    setup.plan = std::make_unique<cluster::Plan>(
        setup.cluster, setup.model, workload::WorkloadSpec{setup.cluster.chips, 1, 1, 4}, where);
    setup.archs = std::make_unique<ChipArchs>(setup.cluster, spec.opt, setup.plan->chips());
    const std::uint32_t bits = setup.archs->arch(0).in_bit;
    setup.cluster.dram.capacity_gib = setup.archs->min_capacity_gib();  // a gpu's own HBM
    setup.kv_capacity_blocks = UINT64_MAX;
    for (std::uint32_t d = 0; d < setup.plan->dp(); ++d) {
        setup.kv_capacity_blocks = std::min(
            setup.kv_capacity_blocks,
            serving::kv_capacity_blocks(*setup.plan, d, bits, setup.cluster.dram.capacity_gib,
                                        scheduler.kv_block_tokens));
    }
    for (std::size_t i = 0; i < setup.requests.size(); ++i) {
        const std::string why =
            serving::unfit_reason(setup.requests[i], scheduler, setup.kv_capacity_blocks);
        if (why.empty()) {
            continue;
        }
        if (!scheduler.skip_unfit) {
            throw ConfigError(fmt::format("{}: {} (add --skip-unfit to count it as rejected)",
                                          spec.trace.string(), why));
        }
        setup.rejected.push_back(i);
    }
    return setup;
}

ServingOutcome simulate_serving(const ServingSetup& setup,
                                const config::RunSpec& spec,
                                des::Transport& transport,
                                const CheckpointRequest& checkpoint) {
    output::Hdf5WriterOptions wopts;
    wopts.path = spec.out;
    wopts.force = spec.force;
    wopts.write_timeline = false;
    output::Hdf5ResultWriter writer(wopts);
    const output::RunMetadata meta = serving_metadata(setup, spec);

    const ChipArchs& archs = *setup.archs;
    serving::ServingInputs in;
    in.serving = setup.cluster.scheduler;
    in.cluster = setup.cluster;
    in.plan = setup.plan.get();
    in.requests = setup.requests;
    in.bits = archs.arch(0).in_bit;
    in.cost_of_chip = [&archs](std::uint32_t chip) { return archs.cost_fn(chip); };
    in.sram_bytes_of_chip = [&archs](std::uint32_t chip) { return archs.sram_bytes(chip); };
    in.arch_key = [&archs](std::uint32_t chip) {
        return static_cast<std::uint32_t>(archs.model_index(chip));
    };
    in.threads = static_cast<int>(spec.threads);
    in.iterations_on_rank_0 = false;  // each rank writes its part of /iterations
    in.progress = with_fault_signal({}, to_underlying(transport.rank()));
    if (checkpoint.any()) {
        // The scheduler settings are part of the effective configuration.
        const des::SnapshotInputs inputs = snapshot_inputs(meta, "serving opt=" + spec.opt);
        in.checkpoint.dir = checkpoint.dir;
        in.checkpoint.every = checkpoint.every;
        in.checkpoint.wall_seconds = checkpoint.wall_seconds;
        in.checkpoint.inputs = inputs;
        in.restart.dir = checkpoint.restart;
        in.restart.inputs = inputs;
    }
    const des::BlockPartitioner partitioner;
    ServingOutcome out;
    try {
        out.result = serving::run_serving(in, setup.rejected, transport, partitioner);
    } catch (const Interrupted& e) {
        writer.interrupt(meta, e.what());
        throw Interrupted(e.signal(),
                          fmt::format("{}; the result so far is in {} (status "
                                      "interrupted)",
                                      e.what(), output::partial_path(spec.out).string()));
    } catch (const std::exception& e) {
        writer.fail(meta, e.what());
        throw;
    }
    out.summary = serving::summarize(out.result, setup.cluster.scheduler);
    if (to_underlying(transport.rank()) == 0) {
        add_replica_rows(writer, *setup.plan, out.result);
    }
    const stats::RunSummary summary = run_summary(out.result, out.summary);
    writer.set_extra(serving_tables(out.result, out.summary));
    writer.finish(meta, summary, rank_report(out.result.stats, transport.rank()));
    return out;
}

}  // namespace ltdes::sim
