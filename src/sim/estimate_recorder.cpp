// SPDX-License-Identifier: MIT
#include "ltdes/sim/estimate_recorder.hpp"

#include "ltdes/cluster/op_shard.hpp"
#include "ltdes/core/checked_time.hpp"
#include "ltdes/output/output_path.hpp"
#include "ltdes/sim/run_report.hpp"

namespace ltdes::sim {

EstimateRecorder::EstimateRecorder(const std::filesystem::path& path, bool force) {
    // The path is checked before MPI starts, so a bad --out costs no MPI_Init.
    output::check_output_path(path, force);
    mpi_ = std::make_unique<dist::MpiSession>(argc_, argv_);
    output::Hdf5WriterOptions options;
    options.path = path;
    options.force = force;
    writer_ = std::make_unique<output::Hdf5ResultWriter>(options);
}

EstimateRecorder::~EstimateRecorder() {
    writer_.reset();  // before MPI_Finalize
}

void EstimateRecorder::add(const workload::Op& op, double latency_s, const EnergyPj& energy) {
    stats::TimelineRow row;
    row.t_start_ps = now_.in_ps();
    now_ += op_duration_from_seconds(latency_s);
    row.t_end_ps = now_.in_ps();
    row.op_id = op.id;
    row.m = op.m;
    row.n = op.n;
    row.k = op.k;
    row.layer = op.layer;
    row.step = op.step;
    row.resource = cluster::resource_of(op.kind);
    row.op_kind = static_cast<std::uint8_t>(op.kind);
    row.op_name = names_.intern(op.name);
    row.phase = static_cast<std::uint8_t>(op.phase);
    row.energy = energy;
    if (op.phase == workload::Phase::prefill) {
        prefill_end_ = now_;
    }
    if (to_underlying(mpi_->rank()) == 0) {
        writer_->add_row(row);
        layers_.add(row);
    }
}

void EstimateRecorder::finish(output::RunMetadata meta,
                              const workload::ModelShape& model,
                              const workload::WorkloadSpec& w) {
    for (const auto& p : layers_.partials()) {
        writer_->add_layer_stats(p);
    }
    // Ops back to back on the chip's one resource, as a DES chip without overlap: busy the
    // whole makespan (utilization 1; 0 for an empty run).
    const stats::RunSummary summary =
        make_summary(model, w, now_.in_seconds(), prefill_end_.in_seconds(),
                     {now_ > SimTime::zero() ? 1.0 : 0.0});
    meta.op_names = names_.names();
    writer_->finish(meta, summary, output::RankReport{});
}

}  // namespace ltdes::sim
