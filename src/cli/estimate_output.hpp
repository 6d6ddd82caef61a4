// SPDX-License-Identifier: MIT
// `lt-des estimate --out FILE.h5`: the analytical one-chip run written with the result schema of
// docs/output.md (ops one after another on chip 0), so the same scripts read estimates and
// simulations. MPI is initialised here, and only on this path of `estimate`.
#pragma once

#include "ltdes/core/energy.hpp"
#include "ltdes/dist/mpi_session.hpp"
#include "ltdes/output/hdf5_result_writer.hpp"
#include "ltdes/stats/layer_accumulator.hpp"
#include "ltdes/workload/op.hpp"

#include <cstdint>
#include <filesystem>
#include <memory>

namespace ltdes::cli {

/// Streams costed ops into an Hdf5ResultWriter as a sequential timeline of chip 0: each op
/// starts when the previous one ends and lasts its latency rounded up to whole picoseconds
/// (as the DES does); /summary makespan_s is the exact analytical sum. A one-process command:
/// under mpiexec only rank 0 records rows.
class EstimateRecorder {
public:
    /// Initialises MPI and checks `path` (OutputError before any work when it cannot be written).
    EstimateRecorder(const std::filesystem::path& path, bool force);
    ~EstimateRecorder();
    EstimateRecorder(const EstimateRecorder&) = delete;
    EstimateRecorder& operator=(const EstimateRecorder&) = delete;

    /// Records one op as `estimate` costed it (latency in s, energy in pJ).
    void add(const workload::Op& op, double latency_s, const EnergyPj& energy);

    /// Writes the file. `meta` needs the config text, inputs and chip; the command line, enum
    /// names and library versions are filled in here. Tokens count all requests.
    void finish(output::RunMetadata meta, std::uint64_t tokens, std::uint64_t generated_tokens);

private:
    int argc_ = 0;
    char** argv_ = nullptr;
    std::unique_ptr<dist::MpiSession> mpi_;
    std::unique_ptr<output::Hdf5ResultWriter> writer_;
    stats::LayerAccumulator layers_;
    std::int64_t t_ps_ = 0;
    double makespan_s_ = 0.0;
    double prefill_end_s_ = 0.0;
    bool prefill_ = false;
    std::uint32_t decode_steps_ = 0;
};

}  // namespace ltdes::cli
