// SPDX-License-Identifier: MIT
// `lt-des estimate --out FILE.h5`: the analytical one-chip run written with the result schema of
// docs/output.md (ops one after another on chip 0), so the same scripts read estimates and
// simulations. MPI is initialised here, and only on this path of `estimate`.
#pragma once

#include "ltdes/core/energy.hpp"
#include "ltdes/core/sim_time.hpp"
#include "ltdes/dist/mpi_session.hpp"
#include "ltdes/output/hdf5_result_writer.hpp"
#include "ltdes/output/run_metadata.hpp"
#include "ltdes/sim/estimate_sink.hpp"
#include "ltdes/stats/layer_accumulator.hpp"
#include "ltdes/workload/model_shape.hpp"
#include "ltdes/workload/op.hpp"
#include "ltdes/workload/op_name_table.hpp"

#include <cstdint>
#include <filesystem>
#include <memory>

namespace ltdes::sim {

/// Streams costed ops into an Hdf5ResultWriter as a sequential timeline of chip 0: each op
/// starts when the previous one ends and lasts its latency rounded up to whole picoseconds, as
/// in the DES, so its makespan, TTFT and TPOT are those of a one-chip `run` without overlap.
/// A one-process command: under mpiexec only rank 0 records rows.
class EstimateRecorder final : public EstimateSink {
public:
    /// Checks `path` (OutputError before any work when it cannot be written), then starts MPI.
    EstimateRecorder(const std::filesystem::path& path, bool force);
    ~EstimateRecorder() override;
    EstimateRecorder(const EstimateRecorder&) = delete;
    EstimateRecorder& operator=(const EstimateRecorder&) = delete;

    /// Records one op as `estimate` costed it (latency in s, energy in pJ).
    void add(const workload::Op& op, double latency_s, const EnergyPj& energy) override;

    /// Writes the file: /summary from make_summary, `meta` from make_metadata (its op_names
    /// replaced by the names of the recorded ops).
    void finish(output::RunMetadata meta,
                const workload::ModelShape& model,
                const workload::WorkloadSpec& w);

private:
    int argc_ = 0;
    char** argv_ = nullptr;
    std::unique_ptr<dist::MpiSession> mpi_;
    std::unique_ptr<output::Hdf5ResultWriter> writer_;
    stats::LayerAccumulator layers_;
    SimTime now_;
    SimTime prefill_end_;
    workload::OpNameTable names_;
};

}  // namespace ltdes::sim
