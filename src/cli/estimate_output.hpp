// SPDX-License-Identifier: MIT
// `estimate --out FILE.h5`: the HDF5 result of an estimate. Linked into lt-des-mpi only; the
// front end lt-des hands `estimate --out` to lt-des-mpi, so plain estimates never load MPI or
// HDF5 (docs/commands.md, "Two executables").
#pragma once

#include "ltdes/cluster/cluster_spec.hpp"
#include "ltdes/sim/chip_archs.hpp"
#include "ltdes/sim/estimate_report.hpp"
#include "ltdes/sim/estimate_sink.hpp"
#include "ltdes/sim/workload_source.hpp"

#include <memory>
#include <string>

namespace ltdes::cli {

/// The result file of one estimate: every costed op goes to sink(), then finish() writes it.
class EstimateOutput {
public:
    virtual ~EstimateOutput() = default;
    virtual sim::EstimateSink& sink() = 0;
    /// Writes /summary and /metadata; `cluster_file` is the --cluster path or empty.
    virtual void finish(const sim::ResolvedWorkload& input,
                        const sim::ChipArchs& archs,
                        const cluster::ClusterSpec& cluster,
                        const std::string& cluster_file,
                        const sim::EstimateReport& report) = 0;
};

/// Opens an EstimateOutput at `path`; null where the executable cannot write one (the front end).
using EstimateOutputOpener = std::unique_ptr<EstimateOutput> (*)(const std::string& path,
                                                                 bool force);

/// lt-des-mpi's opener: checks the path (before any work), starts MPI, opens the HDF5 file.
std::unique_ptr<EstimateOutput> open_hdf5_estimate_output(const std::string& path, bool force);

}  // namespace ltdes::cli
