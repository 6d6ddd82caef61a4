// SPDX-License-Identifier: MIT
#include "ltdes/sim/cluster_simulation.hpp"

#include "ltdes/cluster/chip_partition.hpp"
#include "ltdes/cluster/moe_figures.hpp"
#include "ltdes/cluster/op_shard.hpp"
#include "ltdes/cluster/plan_report.hpp"
#include "ltdes/cluster/run_invariants.hpp"
#include "ltdes/config/cluster_config.hpp"
#include "ltdes/core/error.hpp"
#include "ltdes/core/interrupted.hpp"
#include "ltdes/des/partitioner.hpp"
#include "ltdes/dist/mpi_transport.hpp"
#include "ltdes/output/hdf5_result_writer.hpp"
#include "ltdes/output/output_path.hpp"
#include "ltdes/sim/run_report.hpp"
#include "ltdes/stats/layer_accumulator.hpp"
#include "ltdes/trace/trace_reader.hpp"

#include <fmt/format.h>

#include <optional>
#include <utility>

namespace ltdes::sim {

PlannedRun plan_run(const config::RunSpec& spec, bool build_programs) {
    WorkloadRequest request;
    request.trace = spec.trace.string();
    ResolvedWorkload input = resolve_workload(request);
    const std::string where = spec.cluster_source == "built-in" ? "plan" : spec.cluster_source;
    cluster::Plan plan(spec.cluster, input.model, input.spec, where);
    PlannedRun r{std::move(input), plan, std::make_unique<cluster::OpCensus>(plan), {}};
    std::optional<cluster::ProgramBuilder> builder;
    if (build_programs) {
        builder.emplace(r.plan);
    }
    trace::TraceReader reader(spec.trace);
    workload::Op op;
    while (reader.next(op)) {
        if (r.plan.tp() > 1 && !cluster::has_known_tp_role(op)) {
            throw TraceError(fmt::format(
                "{}:{}: gemm '{}' (op {}) has no tensor-parallel role: with tp {} a GEMM must be "
                "named qkv, proj, ffn1*, ffn_gate*, ffn2* or lm_head (sharded) or router, embed "
                "or head (replicated) (docs/cluster.md)",
                spec.trace.string(), reader.line(), op.name, op.id, r.plan.tp()));
        }
        r.census->add(op);
        if (builder) {
            builder->add(op);
        }
    }
    if (builder) {
        r.op_names = builder->op_names().names();
        r.programs = builder->finish();
    }
    return r;
}

namespace {

output::RunMetadata metadata_of(const config::RunSpec& spec,
                                const PlannedRun& planned,
                                const ChipArchs& archs) {
    std::vector<output::InputFile> inputs{{"trace", spec.trace}};
    if (spec.cluster_source != "built-in") {
        inputs.push_back({"cluster", spec.cluster_source});
    }
    output::RunMetadata m =
        make_metadata(planned.input.model, planned.input.spec, archs,
                      config::dump_cluster_yaml(spec.cluster) + planned.config_note,
                      std::move(inputs), spec.threads);
    m.op_names = planned.op_names;
    return m;
}

/// Expert parallelism: /summary moe_* attributes and the per-chip /moe table (docs/output.md).
output::ExtraOutput moe_output(const cluster::Plan& plan,
                               const std::vector<cluster::ChipTotals>& chips) {
    const cluster::MoeFigures f = cluster::moe_figures(plan, chips);
    output::ExtraOutput x;
    output::ColumnTable t{"moe", "chip", {}, chips.size()};
    std::vector<std::uint32_t> id;
    std::vector<std::uint64_t> rows;
    std::vector<std::uint64_t> dropped;
    std::vector<std::uint64_t> bytes;
    for (std::uint32_t c = 0; c < chips.size(); ++c) {
        id.push_back(c);
        rows.push_back(chips[c].moe_expert_rows);
        dropped.push_back(chips[c].moe_picks_dropped);
        bytes.push_back(chips[c].moe_bytes_sent);
    }
    t.columns.push_back({"chip", "1", "chip id", std::move(id), {}});
    t.columns.push_back(
        {"expert_tokens", "1", "token picks its experts computed", std::move(rows), {}});
    t.columns.push_back(
        {"tokens_dropped", "1", "picks of its tokens over capacity", std::move(dropped), {}});
    t.columns.push_back(
        {"all_to_all_bytes", "B", "dispatch and combine bytes it sent", std::move(bytes), {}});
    x.tables.push_back(std::move(t));
    x.summary_i64.emplace_back("moe_tokens_dropped", static_cast<std::int64_t>(f.picks_dropped));
    x.summary_i64.emplace_back("moe_expert_tokens", static_cast<std::int64_t>(f.expert_rows));
    x.summary_i64.emplace_back("moe_all_to_all_bytes", static_cast<std::int64_t>(f.bytes_sent));
    x.summary_f64.emplace_back("moe_load_imbalance", f.load_imbalance);
    return x;
}

/// Static energy has no op to belong to: one row per chip of this rank over the whole run.
void write_static_rows(const cluster::ClusterRunResult& result,
                       std::uint32_t chips,
                       const des::Partitioner& partitioner,
                       RankId rank,
                       int ranks,
                       output::ResultWriter& writer) {
    for (std::uint32_t c = 0; c < chips; ++c) {
        // The rank that owns the chip writes it (the writer wants chips in ascending blocks).
        if (partitioner.rank_of(LpId{c}, chips, ranks) != rank) {
            continue;
        }
        const stats::TimelineRow row =
            static_energy_row(c, result.totals.makespan.in_ps(),
                              result.chips[c].energy[EnergyComponent::static_power]);
        writer.add_row(row);
        stats::LayerAccumulator one;
        one.add(row);
        for (const auto& partial : one.partials()) {
            writer.add_layer_stats(partial);
        }
    }
}

/// /links: one row per directed link that exists, by (from, to); rank 0 writes it.
output::ColumnTable links_table(const std::vector<cluster::LinkUse>& links) {
    output::ColumnTable t{"links", "from, to", {}, links.size()};
    std::vector<std::uint32_t> from;
    std::vector<std::uint32_t> to;
    std::vector<std::uint64_t> bytes;
    std::vector<std::int64_t> busy;
    std::vector<double> energy;
    for (const cluster::LinkUse& l : links) {
        from.push_back(l.from);
        to.push_back(l.to);
        bytes.push_back(l.bytes);
        busy.push_back(l.busy_ps);
        energy.push_back(l.energy_pj * 1e-12);
    }
    t.columns.push_back(
        {"from",
         "1",
         "sending node (chip id; from chips on: the switch or the buses, one per tensor group)",
         std::move(from),
         {}});
    t.columns.push_back(
        {"to",
         "1",
         "receiving node (chip id; from chips on: the switch or the buses, one per tensor group)",
         std::move(to),
         {}});
    t.columns.push_back({"bytes", "B", "bytes put on the link", std::move(bytes), {}});
    t.columns.push_back({"busy", "ps", "time the link was serialising", std::move(busy), {}});
    t.columns.push_back({"energy", "J", "link energy booked on this link", std::move(energy), {}});
    return t;
}

}  // namespace

RunOutcome simulate(const config::RunSpec& spec,
                    const PlannedRun& planned,
                    const ChipArchs& archs,
                    const dist::MpiSession& mpi,
                    des::ProgressCallback progress,
                    cluster::PartitionKind partition,
                    const CheckpointRequest& checkpoint) {
    const cluster::Plan& plan = planned.plan;
    if (partition == cluster::PartitionKind::round_robin &&
        spec.timeline == config::TimelineMode::full && mpi.size() > 1) {
        throw UsageError(
            "--partition round_robin needs --timeline layers or none (the timeline is written "
            "in chip order, which needs each rank to own a block of chips)");
    }
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
    in.sram_bytes_of_chip = [&archs](std::uint32_t chip) { return archs.sram_bytes(chip); };
    in.bits = archs.arch(0).in_bit;
    in.threads = static_cast<int>(spec.threads);
    in.keep_records = spec.timeline == config::TimelineMode::full;
    in.keep_layers = true;
    // With snapshots, the rows handed to the writer are kept too: a snapshot holds them.
    const bool keep_rows = !checkpoint.dir.empty() && in.keep_records;
    RowKeeper<stats::TimelineRow> kept;
    in.record_sink = [&writer, &kept, keep_rows](std::vector<stats::TimelineRow>&& rows) {
        for (const stats::TimelineRow& row : rows) {
            writer.add_row(row);
            if (keep_rows) {
                kept.add(row.chip, row);
            }
        }
    };
    if (checkpoint.any()) {
        const des::SnapshotInputs inputs = snapshot_inputs(
            metadata_of(spec, planned, archs),
            fmt::format("timeline={} opt={}", static_cast<int>(spec.timeline), spec.opt));
        if (!checkpoint.dir.empty()) {
            in.checkpoint.dir = checkpoint.dir;
            in.checkpoint.every = checkpoint.every;
            in.checkpoint.wall_seconds = checkpoint.wall_seconds;
            in.checkpoint.inputs = inputs;
            in.checkpoint.save_extra = [&kept](LpId lp) { return kept.take(to_underlying(lp)); };
        }
        if (!checkpoint.restart.empty()) {
            in.restart.dir = checkpoint.restart;
            in.restart.inputs = inputs;
            in.restart.restore_extra = [&](LpId lp, std::string_view bytes) {
                for (const auto& row :
                     RowKeeper<stats::TimelineRow>::rows_of(to_underlying(lp), bytes)) {
                    if (row.chip != to_underlying(lp)) {
                        throw des::SnapshotError(fmt::format(
                            "--restart: LP {} holds a result row of chip {} (the snapshot is "
                            "corrupt)",
                            lp, row.chip));
                    }
                    writer.add_row(row);
                }
            };
        }
    }
    in.progress = with_fault_signal(std::move(progress), to_underlying(mpi.rank()));
    dist::MpiTransport transport(mpi);
    const auto partitioner = cluster::make_partitioner(partition, plan);
    RunOutcome out;
    cluster::ClusterRunResult& result = out.result;
    try {
        result = cluster::run_cluster(in, transport, *partitioner);
        cluster::check_run_invariants(result.totals, planned.census->op_instances());
    } catch (const Interrupted& e) {
        writer.interrupt(metadata_of(spec, planned, archs), e.what());
        throw Interrupted(e.signal(),
                          fmt::format("{}; the result so far is in {} (status "
                                      "interrupted)",
                                      e.what(), output::partial_path(spec.out).string()));
    } catch (const std::exception& e) {
        // The ranks agree on a failure (the kernel rethrows it everywhere; the invariants see
        // the same gathered totals), so every rank can mark the file failed.
        writer.fail(metadata_of(spec, planned, archs), e.what());
        throw;
    }
    for (const stats::TimelineRow& row : result.local_records) {
        writer.add_row(row);
    }
    result.local_records.clear();
    result.local_records.shrink_to_fit();
    for (const auto& partial : result.local_layers) {
        writer.add_layer_stats(partial);
    }
    if (spec.cluster.static_power.enabled) {
        write_static_rows(result, plan.chips(), *partitioner, mpi.rank(), mpi.size(), writer);
    }
    std::vector<double> utilization;
    const std::int64_t makespan_ps = result.totals.makespan.in_ps();
    for (const auto& chip : result.chips) {
        utilization.push_back(makespan_ps > 0 ? static_cast<double>(chip.cores_work.in_ps()) /
                                                    static_cast<double>(makespan_ps)
                                              : 0.0);
    }
    out.summary =
        make_summary(planned.input.model, planned.input.spec, result.totals.makespan.in_seconds(),
                     result.totals.prefill_end.in_seconds(), std::move(utilization));
    const output::RankReport report = rank_report(result.stats, mpi.rank());
    // /links (one chip has no links, and HDF5 no empty tables here) and, with ep > 1, /moe.
    output::ExtraOutput extra =
        plan.ep() > 1 ? moe_output(plan, result.chips) : output::ExtraOutput{};
    if (!result.links.empty()) {
        extra.tables.push_back(links_table(result.links));
    }
    if (!extra.tables.empty() || !extra.summary_i64.empty()) {
        writer.set_extra(std::move(extra));
    }
    writer.finish(metadata_of(spec, planned, archs), out.summary, report);
    return out;
}

}  // namespace ltdes::sim
