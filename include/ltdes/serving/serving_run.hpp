// SPDX-License-Identifier: MIT
// A serving simulation on the DES kernel: a router LP (id 0) receives the requests at their
// arrival times and dispatches each to a replica LP (id 1 + replica), which runs iterations
// of its scheduler, one event per pipeline stage per iteration (iteration fidelity) or one per
// op completion, activation and all-reduce chunk of its chips (op fidelity). Rows are gathered
// on every rank and ordered by request id and (replica, start), so they do not depend on -n or
// threads.
#pragma once

#include "ltdes/cluster/chip_model.hpp"
#include "ltdes/cluster/cluster_spec.hpp"
#include "ltdes/cluster/plan.hpp"
#include "ltdes/core/energy.hpp"
#include "ltdes/des/partitioner.hpp"
#include "ltdes/des/simulation.hpp"
#include "ltdes/des/transport.hpp"
#include "ltdes/serving/serving_spec.hpp"
#include "ltdes/trace/request_record.hpp"

#include <array>
#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

namespace ltdes::serving {

/// Status of a /requests row.
enum class RequestStatus : std::uint8_t { completed, rejected };

inline constexpr std::array<std::string_view, 2> kRequestStatusNames = {"completed", "rejected"};

/// One /requests row. Times in ps (-1 where the request never got there).
struct RequestRow {
    std::uint64_t request = 0;
    std::int32_t replica = -1;  ///< -1 when rejected
    RequestStatus status = RequestStatus::completed;
    std::uint8_t reserved8 = 0;
    std::uint16_t reserved16 = 0;
    std::int64_t arrival = 0;
    std::int64_t scheduled = -1;
    std::int64_t first_token = -1;
    std::int64_t completion = -1;
    std::uint64_t prompt_tokens = 0;
    std::uint64_t decode_tokens = 0;
    std::uint64_t preemptions = 0;
    double energy_j = 0.0;
};

/// One /iterations row.
struct IterationRow {
    std::uint32_t replica = 0;
    std::uint32_t requests = 0;
    std::int64_t t_start = 0;
    std::int64_t t_end = 0;  ///< when its tokens exist (the last stage is done)
    std::uint64_t prefill_tokens = 0;
    std::uint64_t decode_tokens = 0;
    std::uint64_t kv_blocks = 0;  ///< in use during the iteration
    double energy_j = 0.0;
};

/// Everything a serving run needs besides the transport.
struct ServingInputs {
    ServingSpec serving;
    cluster::ClusterSpec cluster;
    const cluster::Plan* plan = nullptr;
    /// In arrival order (ties: file order); each fits a replica unless rejected below.
    std::vector<trace::RequestRecord> requests;
    std::uint32_t bits = 4;
    std::function<cluster::OpCostFn(std::uint32_t chip)> cost_of_chip;
    /// Chips with the same key have the same cost model (lets tensor ranks share costs).
    std::function<std::uint32_t(std::uint32_t chip)> arch_key;
    /// SRAM bytes a chip keeps weights in (empty: none resident).
    std::function<std::uint64_t(std::uint32_t chip)> sram_bytes_of_chip;
    int threads = 1;
    des::ProgressCallback progress;
    /// Snapshots during the run and the snapshot to start from (dir empty: none); see
    /// des::Simulation::enable_checkpoints and restart_from.
    des::CheckpointOptions checkpoint;
    des::RestartOptions restart;
    /// Where the iteration rows end up: all on rank 0 (true), or each rank keeping its own
    /// replicas' rows when they are a contiguous block of the global order (false), so that
    /// the ranks write and compress their parts of /iterations at once.
    bool iterations_on_rank_0 = true;
};

/// What a serving run produced; identical on every rank except `stats.local_*`,
/// `iterations` and `iteration_first` (it can reach millions of rows).
struct ServingResult {
    std::vector<RequestRow> requests;  ///< by request id
    /// By (replica, t_start): all of them on rank 0, or this rank's block of them, rows
    /// `iteration_first` on (ServingInputs::iterations_on_rank_0).
    std::vector<IterationRow> iterations;
    std::uint64_t iteration_first = 0;
    std::uint64_t iteration_count = 0;  ///< rows of every rank's `iterations` (every rank)
    des::RunStats stats;
    std::uint64_t kv_capacity_blocks = 0;  ///< per replica
    std::uint64_t kv_peak_blocks = 0;      ///< the most any replica had in use
    std::vector<EnergyPj> replica_energy;  ///< by replica, summed in its iteration order

    /// A replica's iterations in all: the first start (0: none), the last end, their summed
    /// time and how many (ps).
    struct ReplicaBusy {
        std::int64_t first_start = 0;
        std::int64_t last_end = 0;
        std::int64_t busy = 0;
        std::uint64_t iterations = 0;
    };

    std::vector<ReplicaBusy> replica_busy;  ///< by replica
    /// Per rank, the iteration costs its caches took from the model, answered themselves, and
    /// adopted from other ranks (CostSharing); one lookup per iteration at iteration fidelity.
    std::vector<std::uint64_t> costs_computed, costs_cached, costs_adopted;
    /// Per rank, of costs_computed, those computed before the run for lone requests
    /// (cost_lone_requests_ahead; several ranks only). Their time is in the simulation's;
    /// `costs_ahead_seconds` is this rank's.
    std::vector<std::uint64_t> costs_ahead;
    double costs_ahead_seconds = 0.0;
    /// Completion times replicas forecast to the router, those the router forecast itself,
    /// completions the router counted from either ahead of the notice, and of those the ones
    /// whose notice was never sent (the router's own forecast held). Several ranks only; none
    /// changes a result.
    std::uint64_t forecasts_sent = 0, forecasts_by_router = 0, forecasts_used = 0;
    std::uint64_t notices_spared = 0;
};

/// KV blocks a replica holds: for every chip, the DRAM left after its weights divided by the
/// bytes one block takes on it (its layers × its KV heads × 2 × d_head × block tokens at `bits`);
/// the smallest over the replica's chips. Throws ConfigError when the weights alone do not fit.
std::uint64_t kv_capacity_blocks(const cluster::Plan& plan,
                                 std::uint32_t replica,
                                 std::uint32_t bits,
                                 double capacity_gib,
                                 std::uint32_t block_tokens);

/// Why `r` can never be served by a replica with `capacity_blocks` blocks (empty when it can):
/// its largest KV context (prompt + decode − 1 tokens) needs more blocks than the replica has,
/// or, without chunked prefill, its prompt plus generated tokens (recomputed after a preemption)
/// exceed the token budget of one iteration.
std::string unfit_reason(const trace::RequestRecord& r,
                         const ServingSpec& spec,
                         std::uint64_t capacity_blocks);

/// Collective over `transport`'s ranks. Requests in `rejected` (indices into in.requests,
/// ascending) are not dispatched and get rejected rows.
ServingResult run_serving(const ServingInputs& in,
                          const std::vector<std::size_t>& rejected,
                          des::Transport& transport,
                          const des::Partitioner& partitioner);

}  // namespace ltdes::serving
