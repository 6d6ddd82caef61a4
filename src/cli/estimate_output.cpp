// SPDX-License-Identifier: MIT
#include "cli/estimate_output.hpp"

#include "ltdes/des/build_info.hpp"
#include "ltdes/output/output_path.hpp"

#include <cmath>
#include <fstream>
#include <limits>
#include <string>

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

/// The command line as typed (arguments separated by spaces), from /proc on Linux.
std::string own_command_line() {
    std::ifstream in("/proc/self/cmdline", std::ios::binary);
    std::string out;
    for (std::string arg; std::getline(in, arg, '\0');) {
        out += (out.empty() ? "" : " ") + arg;
    }
    return out.empty() ? std::string("lt-des estimate") : out;
}

}  // namespace

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
    row.t_start_ps = t_ps_;
    t_ps_ += static_cast<std::int64_t>(std::ceil(latency_s * 1e12));
    row.t_end_ps = t_ps_;
    row.op_id = op.id;
    row.m = op.m;
    row.n = op.n;
    row.k = op.k;
    row.layer = op.layer;
    row.step = op.step;
    row.resource = resource_of(op.kind);
    row.op_kind = static_cast<std::uint8_t>(op.kind);
    row.phase = static_cast<std::uint8_t>(op.phase);
    row.energy = energy;
    makespan_s_ += latency_s;
    if (op.phase == workload::Phase::prefill) {
        prefill_ = true;
        prefill_end_s_ = makespan_s_;
    } else if (op.phase == workload::Phase::decode) {
        decode_steps_ = std::max(decode_steps_, op.step + 1);
    }
    if (to_underlying(mpi_->rank()) == 0) {
        writer_->add_row(row);
        layers_.add(row);
    }
}

void EstimateRecorder::finish(output::RunMetadata meta,
                              std::uint64_t tokens,
                              std::uint64_t generated_tokens) {
    for (const auto& p : layers_.partials()) {
        writer_->add_layer_stats(p);
    }
    stats::RunSummary summary;
    summary.makespan_s = makespan_s_;
    if (prefill_) {
        summary.ttft_s = prefill_end_s_;
        if (decode_steps_ > 0) {
            summary.tpot_s = (makespan_s_ - prefill_end_s_) / decode_steps_;
        }
    }
    summary.tokens = tokens;
    summary.generated_tokens = generated_tokens;
    summary.chip_utilization = {makespan_s_ > 0 ? 1.0 : 0.0};  // ops back to back
    meta.command_line = own_command_line();
    meta.tbb_version = des::tbb_version();
    meta.mpi_version = dist::mpi_build_version();
    meta.op_kind_names.assign(workload::kOpKindNames.begin(), workload::kOpKindNames.end());
    meta.phase_names.assign(workload::kPhaseNames.begin(), workload::kPhaseNames.end());
    writer_->finish(meta, summary, output::RankReport{});
}

}  // namespace ltdes::cli
