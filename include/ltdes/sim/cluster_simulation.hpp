// SPDX-License-Identifier: MIT
// `lt-des run` as a library: a resolved run spec becomes a planned trace, chips bound to their
// cost models, the DES run, and one result file. The CLI parses, calls these and prints.
#pragma once

#include "ltdes/cluster/chip_partition.hpp"
#include "ltdes/cluster/cluster_run.hpp"
#include "ltdes/cluster/op_census.hpp"
#include "ltdes/cluster/plan.hpp"
#include "ltdes/cluster/stage_program.hpp"
#include "ltdes/config/run_spec.hpp"
#include "ltdes/des/simulation.hpp"
#include "ltdes/dist/mpi_session.hpp"
#include "ltdes/sim/checkpoint_request.hpp"
#include "ltdes/sim/chip_archs.hpp"
#include "ltdes/sim/workload_source.hpp"
#include "ltdes/stats/run_summary.hpp"

#include <memory>
#include <string>
#include <vector>

namespace ltdes::sim {

/// A trace read once, streaming, on every rank (so every rank validates it): its workload, the
/// plan of the cluster for it, the op census and the stage programs the chips run.
struct PlannedRun {
    ResolvedWorkload input;
    cluster::Plan plan;
    std::unique_ptr<cluster::OpCensus> census;
    std::vector<cluster::StageProgram> programs;  ///< empty unless built
    std::vector<std::string> op_names;            ///< /timeline/op_names (with the programs)
    std::string config_note;  ///< YAML comment lines appended to /metadata/config (plan search)
};

/// Reads `spec.trace` (through resolve_workload) and plans it on `spec.cluster`.
PlannedRun plan_run(const config::RunSpec& spec, bool build_programs);

/// What a run produced, on every rank.
struct RunOutcome {
    cluster::ClusterRunResult result;  ///< totals and kernel statistics
    stats::RunSummary summary;         ///< what /summary holds
};

/// Collective over the MPI job: simulates `planned` with `archs` and writes `spec.out` (every
/// rank opens the writer first, so a bad --out fails before any work). On failure every rank
/// leaves `<out>.partial` marked failed and rethrows. `partition` maps chips to ranks (speed
/// only; round_robin needs `timeline` layers or none on more than one rank).
RunOutcome simulate(const config::RunSpec& spec,
                    const PlannedRun& planned,
                    const ChipArchs& archs,
                    const dist::MpiSession& mpi,
                    des::ProgressCallback progress,
                    cluster::PartitionKind partition = cluster::PartitionKind::locality,
                    const CheckpointRequest& checkpoint = {});

}  // namespace ltdes::sim
