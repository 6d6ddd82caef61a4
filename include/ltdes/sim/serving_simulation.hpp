// SPDX-License-Identifier: MIT
// The serving run of a request trace (lt-trace 2), assembled as `run` assembles a static run:
// requests, plan, chips' cost models and KV capacity first (plan_serving, also what --dry-run
// prints), then the simulation and the HDF5 file (simulate_serving).
#pragma once

#include "ltdes/cluster/cluster_spec.hpp"
#include "ltdes/cluster/plan.hpp"
#include "ltdes/config/run_spec.hpp"
#include "ltdes/des/transport.hpp"
#include "ltdes/serving/serving_run.hpp"
#include "ltdes/serving/serving_summary.hpp"
#include "ltdes/sim/checkpoint_request.hpp"
#include "ltdes/sim/chip_archs.hpp"
#include "ltdes/trace/request_record.hpp"
#include "ltdes/workload/model_shape.hpp"

#include <cstdint>
#include <memory>
#include <vector>

namespace ltdes::sim {

/// A request trace ready to serve. Not copyable (it owns the cost models).
struct ServingSetup {
    cluster::ClusterSpec cluster;  ///< the run's cluster with the resolved scheduler
    workload::ModelShape model;
    std::vector<trace::RequestRecord> requests;  ///< in file (= arrival) order
    std::unique_ptr<cluster::Plan> plan;
    std::unique_ptr<ChipArchs> archs;
    std::uint64_t kv_capacity_blocks = 0;  ///< per replica: the smallest replica's
    std::vector<std::size_t> rejected;     ///< indices of requests no replica can ever hold
};

/// Takes the requests of `trace` (read once from `spec.trace`), resolves the plan (auto: as
/// many requests as chips, so every replica is busy; `run` searches instead) and the chips'
/// archs with `spec.cluster.scheduler`, and finds the requests that can never fit a replica: an
/// error (ConfigError naming the trace) unless `scheduler.skip_unfit`. Throws TraceError for an
/// encoder model.
ServingSetup plan_serving(const config::RunSpec& spec, trace::RequestTrace trace);

/// The outcome of a serving run, for the stdout summary.
struct ServingOutcome {
    serving::ServingResult result;  ///< `iterations` emptied once written
    serving::ServingSummary summary;
};

/// Collective over `transport`'s ranks: serves `setup` and writes `spec.out` (/requests,
/// /iterations, /layers with one energy row per replica, /summary). A failure marks the file
/// failed and is rethrown.
ServingOutcome simulate_serving(const ServingSetup& setup,
                                const config::RunSpec& spec,
                                des::Transport& transport,
                                const CheckpointRequest& checkpoint = {});

}  // namespace ltdes::sim
