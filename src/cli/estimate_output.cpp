// SPDX-License-Identifier: MIT
#include "cli/estimate_output.hpp"

#include "cli/parallel.hpp"

#include "ltdes/des/build_info.hpp"
#include "ltdes/dist/mpi_session.hpp"
#include "ltdes/output/hdf5_result_writer.hpp"
#include "ltdes/stats/layer_accumulator.hpp"

#include <cmath>
#include <limits>

namespace ltdes::cli {

namespace {

stats::Resource resource_of(workload::OpKind kind) {
    using workload::OpKind;
    switch (kind) {
        case OpKind::gemm:
        case OpKind::bmm:
            return stats::Resource::core;
        case OpKind::lookup:
        case OpKind::kv_read:
        case OpKind::kv_write:
            return stats::Resource::dram;
        default:
            return stats::Resource::digital;
    }
}

}  // namespace

int write_estimate_result(const EstimateOutputSpec& spec, std::span<const EstimatedOp> ops) {
    int argc = 0;
    char** argv = nullptr;
    return run_parallel(argc, argv, [&](dist::MpiSession& mpi) {
        output::Hdf5WriterOptions options;
        options.path = spec.path;
        options.force = spec.force;
        output::Hdf5ResultWriter writer(options);

        // The one chip belongs to rank 0; other ranks (if any) join with no rows.
        stats::LayerAccumulator layers;
        double makespan_s = 0.0;
        double prefill_end_s = std::numeric_limits<double>::quiet_NaN();
        std::uint32_t decode_steps = 0;
        bool decode = false;
        std::int64_t t_ps = 0;
        for (const EstimatedOp& e : ops) {
            const workload::Op& op = *e.op;
            stats::TimelineRow row;
            row.t_start_ps = t_ps;
            t_ps += static_cast<std::int64_t>(std::ceil(e.latency_s * 1e12));
            row.t_end_ps = t_ps;
            row.op_id = op.id;
            row.m = op.m;
            row.n = op.n;
            row.k = op.k;
            row.layer = op.layer;
            row.step = op.step;
            row.resource = resource_of(op.kind);
            row.op_kind = static_cast<std::uint8_t>(op.kind);
            row.phase = static_cast<std::uint8_t>(op.phase);
            row.energy = e.energy;
            makespan_s += e.latency_s;
            if (op.phase == workload::Phase::prefill) {
                prefill_end_s = makespan_s;
            } else if (op.phase == workload::Phase::decode) {
                decode = true;
                decode_steps = std::max(decode_steps, op.step + 1);
            }
            if (to_underlying(mpi.rank()) == 0) {
                writer.add_row(row);
                layers.add(row);
            }
        }
        for (const auto& p : layers.partials()) {
            writer.add_layer_stats(p);
        }

        stats::RunSummary summary;
        summary.makespan_s = makespan_s;
        summary.ttft_s = prefill_end_s;
        if (decode && decode_steps > 0 && !std::isnan(prefill_end_s)) {
            summary.tpot_s = (makespan_s - prefill_end_s) / decode_steps;
        }
        summary.tokens = spec.tokens;
        summary.generated_tokens = spec.generated_tokens;
        summary.chip_utilization = {makespan_s > 0 ? 1.0 : 0.0};  // ops back to back

        output::RunMetadata meta = spec.meta;
        meta.tbb_version = des::tbb_version();
        meta.mpi_version = dist::mpi_build_version();
        meta.op_kind_names.assign(workload::kOpKindNames.begin(), workload::kOpKindNames.end());
        meta.phase_names.assign(workload::kPhaseNames.begin(), workload::kPhaseNames.end());
        writer.finish(meta, summary, output::RankReport{});
        return 0;
    });
}

}  // namespace ltdes::cli
