// SPDX-License-Identifier: MIT
// The behaviour of one chip, independent of the DES kernel: it is told what happened (its own
// op finished, an activation arrived, an all-reduce chunk arrived) and answers with the
// messages to send. ChipLp adapts it to des::LogicalProcess; unit tests drive it directly.
#pragma once

#include "ltdes/cluster/chip_network.hpp"
#include "ltdes/cluster/cluster_spec.hpp"
#include "ltdes/cluster/collective_progress.hpp"
#include "ltdes/cluster/dram_channel.hpp"
#include "ltdes/cluster/expert_placement.hpp"
#include "ltdes/cluster/op_shard.hpp"
#include "ltdes/cluster/op_timing.hpp"
#include "ltdes/cluster/plan.hpp"
#include "ltdes/cluster/stage_program.hpp"
#include "ltdes/cluster/topology.hpp"
#include "ltdes/core/energy.hpp"
#include "ltdes/core/sim_time.hpp"
#include "ltdes/des/state_bytes.hpp"
#include "ltdes/stats/layer_accumulator.hpp"
#include "ltdes/stats/timeline_row.hpp"

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <queue>
#include <span>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

namespace ltdes::cluster {

/// Self-message: the op shard (entry, micro-batch) finished computing.
struct OpDoneMsg {
    static constexpr std::uint16_t kKind = 101;
    std::uint32_t entry = 0;
    std::uint32_t microbatch = 0;
};

/// From the chip of another stage: logical op `producer_id` of micro-batch `microbatch` is done
/// and its output (`bytes`) has arrived. Chips on the route to `final_dst` pass it on;
/// `ported` = 1 once the receive port has taken it in.
struct ActivationMsg {
    static constexpr std::uint16_t kKind = 102;
    std::uint64_t producer_id = 0;
    std::uint64_t bytes = 0;
    std::uint32_t microbatch = 0;
    std::uint32_t from_chip = 0;
    std::uint32_t final_dst = 0;
    std::uint32_t ported = 0;
};

/// From a member of the tensor group: its message of (lane, step) of the all-reduce after
/// entry `entry` of micro-batch `microbatch` (routing fields as ActivationMsg).
struct ReduceChunkMsg {
    static constexpr std::uint16_t kKind = 103;
    std::uint64_t bytes = 0;
    std::uint32_t entry = 0;
    std::uint32_t microbatch = 0;
    std::uint32_t step = 0;
    std::uint32_t from_chip = 0;
    std::uint32_t lane = 0;
    std::uint32_t final_dst = 0;
    std::uint32_t ported = 0;
    /// 0: the all-reduce of op `entry`; s + 1: under ep with tp > 1, the all-reduce of the
    /// outputs of expert slot s of the MoE layer whose router is `entry`.
    std::uint32_t expert = 0;
};

/// Expert parallelism, from a chip of the same expert group: the picks of its tokens for this
/// chip's experts (dispatch, combine = 0) or the expert outputs of this chip's tokens
/// (combine = 1), for the MoE layer whose router is entry `entry` of micro-batch `microbatch`.
struct MoeTokensMsg {
    static constexpr std::uint16_t kKind = 106;
    std::uint64_t bytes = 0;
    std::uint32_t entry = 0;
    std::uint32_t microbatch = 0;
    std::uint32_t from_chip = 0;
    std::uint32_t combine = 0;
    std::uint32_t final_dst = 0;  ///< routing fields as ActivationMsg
    std::uint32_t ported = 0;
};

/// A message the model wants sent: to chip `dst` after `delay`.
struct Outgoing {
    std::uint32_t dst = 0;
    SimTime delay;
    std::variant<OpDoneMsg, ActivationMsg, ReduceChunkMsg, MoeTokensMsg> msg;
};

/// What a chip did over the run (for the end-of-run invariants and the summary).
struct ChipTotals {
    std::uint64_t ops_expected = 0;  ///< op shards this chip must run
    std::uint64_t ops_executed = 0;
    std::uint64_t all_reduces_completed = 0;
    std::uint64_t bytes_sent = 0;
    std::uint64_t bytes_received = 0;
    SimTime busy;         ///< sum of op durations
    SimTime last_end;     ///< end of the chip's last op or all-reduce
    SimTime own_work;     ///< sum of its own ops' durations (= last_end bound without overlap)
    SimTime cores_work;   ///< sum of the durations of its compute ops
    SimTime dram_work;    ///< sum of the durations of its memory ops (0 without overlap)
    SimTime prefill_end;  ///< completion of its last prefill op (0 without prefill)
    SimTime dram_busy;    ///< time its DRAM channel was held (every stream)
    std::uint64_t resident_weight_bytes = 0;  ///< weights kept in SRAM (docs/cluster.md)
    std::uint64_t moe_expert_rows = 0;        ///< ep > 1: token picks its experts computed
    std::uint64_t moe_picks_dropped = 0;      ///< ep > 1: picks of its tokens over capacity
    std::uint64_t moe_bytes_sent = 0;         ///< ep > 1: dispatch and combine bytes it sent
    EnergyPj energy;
};

/// One chip. Resources: the photonic cores (compute ops) and the DRAM channel (lookup,
/// kv_read, kv_write), which overlap unless overlap = false (then one op at a time). Among ready
/// ops the earliest entry (trace order), then the lowest micro-batch, starts first. Its
/// ChipNetwork serialises what leaves on each outgoing link FIFO (its own messages and those it
/// passes on) and takes in what arrives for it through one receive port; on a bus the chip's
/// own wavelength group is its channel, and the chip delivers to the readers itself (one event
/// each, no receive port). All-reduces replay the schedule of `collective` (collective.hpp).
class ChipModel {
public:
    /// `program` is the chip's stage program and must outlive the model.
    ChipModel(std::uint32_t chip,
              const Plan& plan,
              const StageProgram& program,
              const Topology& topology,
              const ClusterSpec& spec,
              std::uint32_t bits,
              OpCostFn cost,
              bool keep_records);

    /// Runs the program once over plan.workload().batch requests (one micro-batch, so shards
    /// keep the batch dimension of the ops whole) instead of the replica's share: a serving
    /// iteration's ops already carry its batch. Call before start().
    void run_whole_batch();

    /// Gives the chip `bytes` of SRAM for weights (before start()): weight matrices that fit, in
    /// first-use order, are read from DRAM once and reused (WeightResidency); the others stream
    /// at every use. Without a call nothing is resident. `loaded`: the resident weights are in
    /// SRAM already (a serving replica's iterations after its first).
    void set_sram_capacity(std::uint64_t bytes, bool loaded = false);

    /// At time 0: starts the ops that wait on nothing.
    void start(SimTime now, std::vector<Outgoing>& out);

    void on_op_done(const OpDoneMsg& m, SimTime now, std::vector<Outgoing>& out);

    void on_activation(const ActivationMsg& m, SimTime now, std::vector<Outgoing>& out);

    void on_reduce_chunk(const ReduceChunkMsg& m, SimTime now, std::vector<Outgoing>& out);

    void on_moe_tokens(const MoeTokensMsg& m, SimTime now, std::vector<Outgoing>& out);

    const ChipTotals& totals() const { return totals_; }

    /// What went over this chip's links (ChipNetwork::links).
    std::vector<LinkUse> links() const { return net_.links(); }

    /// Also aggregate every record per (phase, layer) as it happens (for /layers without
    /// keeping the records).
    void set_keep_layers(bool keep) { keep_layers_ = keep; }

    /// The per-layer aggregates of this chip (empty unless set_keep_layers(true)).
    std::vector<stats::LayerStats> layer_partials() const { return layers_.partials(); }

    /// Executed op shards and transfers in completion order, as /timeline rows (empty unless
    /// keep_records): the one record type from the chip to the result file.
    const std::vector<stats::TimelineRow>& records() const { return records_; }

    /// Hands the records kept so far to the caller and forgets them (bounded memory).
    std::vector<stats::TimelineRow> take_records() { return std::exchange(records_, {}); }

    /// Every op shard of every non-empty micro-batch has completed (all-reduces included).
    bool finished() const { return completed_ == totals_.ops_expected; }

    /// With static.enabled, charges the `static` component once the run's makespan is known:
    /// the lasers stay on while the cores idle (`laser_power_mw` × (makespan − cores busy),
    /// since the cost model already charges them for busy cycles) and every outgoing link
    /// direction draws link.idle_power_w for the whole makespan. No-op otherwise.
    void finish(SimTime makespan, double laser_power_mw);

    /// Checkpoints: every field that changes during the run (chip_model_checkpoint.cpp; a new
    /// mutable field is added there, once). What the constructor derives from the inputs is
    /// rebuilt, and checked against the saved sizes on restore (SnapshotError).
    void save(des::StateWriter& out) const;

    void restore(des::StateReader& in);

private:
    enum class Resource : std::uint8_t { cores = 0, dram = 1 };

    /// Sizes the per-instance state for micro-batches of `mb_requests` requests each.
    void reset_state(std::vector<std::uint32_t> mb_requests);

    struct Instance {
        std::uint32_t remaining = 0;  ///< dependencies not yet satisfied
        bool computed = false;
        bool complete = false;
    };

    using ReadyKey = std::pair<std::uint32_t, std::uint32_t>;  ///< (entry, micro-batch)
    using ReadyQueue = std::priority_queue<ReadyKey, std::vector<ReadyKey>, std::greater<>>;

    std::size_t index(std::uint32_t entry, std::uint32_t mb) const {
        return std::size_t{mb} * entries_ + entry;
    }

    OpShard shard(std::uint32_t entry, std::uint32_t mb) const;
    Resource resource_of(std::uint32_t entry) const;
    void make_ready(std::uint32_t entry, std::uint32_t mb, SimTime now, std::vector<Outgoing>& out);
    void dispatch(Resource r, SimTime now, std::vector<Outgoing>& out);
    void satisfy(std::uint32_t entry, std::uint32_t mb, SimTime now, std::vector<Outgoing>& out);
    void complete(std::uint32_t entry, std::uint32_t mb, SimTime now, std::vector<Outgoing>& out);
    void try_send_chunks(std::uint32_t entry,
                         std::uint32_t mb,
                         SimTime now,
                         std::vector<Outgoing>& out);
    /// A row of (entry, mb) from `start` to `end` on `resource` with the op's identifying
    /// fields (m, n, k and energy left for the caller).
    stats::TimelineRow make_record(std::uint32_t entry,
                                   std::uint32_t mb,
                                   SimTime start,
                                   SimTime end,
                                   stats::Resource resource) const;
    stats::TimelineRow make_record(const workload::Op& op,
                                   std::uint32_t name_id,
                                   std::uint32_t mb,
                                   SimTime start,
                                   SimTime end,
                                   stats::Resource resource) const;
    /// Keeps and/or aggregates a record.
    void emit(const stats::TimelineRow& rec);
    /// Appends a record of a transfer for (entry, mb) when records are kept.
    void record_transfer(SimTime depart,
                         SimTime arrival,
                         double energy_pj,
                         stats::Resource resource);
    /// The all-reduce progress of (entry, mb), created on first use.
    CollectiveProgress& progress_of(std::uint32_t entry, std::uint32_t mb);
    /// The progress under `key` in active_, created for an all-reduce of `bytes` on first use.
    CollectiveProgress& progress_at(std::size_t key, std::uint64_t bytes);
    /// Sends what `progress` (the all-reduce of (entry, mb), `expert` as ReduceChunkMsg) may
    /// send now.
    void send_chunks(CollectiveProgress& progress,
                     std::uint32_t entry,
                     std::uint32_t mb,
                     std::uint32_t expert,
                     SimTime now,
                     std::vector<Outgoing>& out);
    /// Passes a message for another chip on, or holds it until the receive port has taken it
    /// in; true when the message is not (yet) for this chip's model.
    template <typename Msg>
    bool route_in(const Msg& m, SimTime now, std::vector<Outgoing>& out);
    /// Puts `bytes` on the link towards the next hop to `dst` and queues `msg` for it (over the
    /// bus when `dst` shares one with this chip).
    template <typename Msg>
    void transfer(
        std::uint32_t dst, std::uint64_t bytes, Msg msg, SimTime now, std::vector<Outgoing>& out);
    /// Bus: one transmission of `bytes` on the chip's channel, read by every chip of
    /// `readers`; each gets `msg` when the tail has crossed the bus hop.
    template <typename Msg>
    void bus_send(std::span<const std::uint32_t> readers,
                  std::uint64_t bytes,
                  Msg msg,
                  SimTime now,
                  std::vector<Outgoing>& out);

    // Expert parallelism (ep > 1, docs/cluster.md): the trace's expert ops are placeholders
    // that complete at once; the chip runs the chains of its own experts with the routed rows
    // as jobs between the router and the combine, which also waits for the all-to-all.
    enum class MoeRole : std::uint8_t { none, router, expert, combine };

    struct MoeJob {
        workload::Op op;  ///< tensor-sliced when tp > 1
        std::uint32_t name_id = 0;
        std::uint32_t slot = 0;     ///< the expert's index among this chip's experts
        bool reduce_after = false;  ///< tp > 1 and the op leaves partial sums (ffn2)
    };

    struct MoeLayer {
        MoeExchange exchange;
        bool routed = false;
        bool started = false;
        bool experts_done = false;
        std::uint32_t dispatch_in = 0;  ///< dispatch messages received
        std::uint32_t combine_in = 0;   ///< combine messages received
        std::uint32_t jobs_left = 0;
        std::uint32_t reduces_left = 0;  ///< tp > 1: expert all-reduces not yet complete
        std::deque<MoeJob> jobs;         ///< not yet started, in chain order
    };

    /// Ready-queue micro-batch flag of an expert job of (router entry, micro-batch).
    static constexpr std::uint32_t kJobFlag = 0x80000000U;
    void init_moe_roles();
    void moe_route(std::uint32_t entry, std::uint32_t mb, SimTime now, std::vector<Outgoing>& out);
    void moe_try_compute(std::uint32_t entry,
                         std::uint32_t mb,
                         SimTime now,
                         std::vector<Outgoing>& out);
    void moe_job_done(const OpDoneMsg& m, SimTime now, std::vector<Outgoing>& out);
    /// tp > 1: the all-reduce of expert slot `slot`'s outputs over the tensor group; `ready`
    /// once this chip's ffn2 of that expert is done. Its key in active_ is expert_key().
    void moe_reduce(std::uint32_t entry,
                    std::uint32_t mb,
                    std::uint32_t slot,
                    bool ready,
                    SimTime now,
                    std::vector<Outgoing>& out);
    CollectiveProgress& expert_progress(std::uint32_t entry, std::uint32_t mb, std::uint32_t slot);

    std::size_t expert_key(std::uint32_t entry, std::uint32_t mb, std::uint32_t slot) const {
        return index(entry, mb) + (std::size_t{slot + 1} << kExpertKeyShift);
    }

    static constexpr unsigned kExpertKeyShift = 44;
    /// The experts of (entry, mb) are computed (and reduced): sends the combine.
    void moe_experts_done(std::uint32_t entry,
                          std::uint32_t mb,
                          SimTime now,
                          std::vector<Outgoing>& out);
    void moe_try_finish(std::uint32_t entry,
                        std::uint32_t mb,
                        SimTime now,
                        std::vector<Outgoing>& out);
    /// Sends `picks` token rows of d_model values to lane `lane`'s chip.
    void moe_send(std::uint32_t entry,
                  std::uint32_t mb,
                  std::uint32_t lane,
                  std::uint64_t picks,
                  bool combine,
                  SimTime now,
                  std::vector<Outgoing>& out);

    /// Checkpoints of the MoE exchange (chip_model_checkpoint.cpp).
    void save_moe(des::StateWriter& out) const;
    void restore_moe(des::StateReader& in);
    static void save_moe_job(des::StateWriter& out, const MoeJob& job);
    MoeJob restore_moe_job(des::StateReader& in) const;

    std::uint64_t bytes_of(std::uint64_t elements) const { return (elements * bits_ + 7) / 8; }

    std::uint32_t chip_;
    Plan plan_;
    const StageProgram* program_;
    Topology topology_;
    ChipCoord coord_;
    std::uint32_t bits_;
    OpCostFn cost_;
    bool keep_records_;
    bool keep_layers_ = false;
    stats::LayerAccumulator layers_;
    bool overlap_;
    bool static_enabled_;
    double link_idle_power_w_;
    ChipNetwork net_;
    CollectiveSpec collective_;
    SimTime cores_busy_;
    std::uint32_t xfer_entry_ = 0;  ///< the op the transfers being made serve
    std::uint32_t xfer_mb_ = 0;
    std::vector<std::uint32_t> readers_;  ///< scratch of a bus broadcast (not state)
    std::uint32_t entries_;
    std::uint32_t microbatches_;  ///< non-empty micro-batches of this chip's replica
    std::vector<std::uint32_t> mb_requests_;
    std::vector<Instance> state_;
    ReadyQueue ready_[2];
    bool busy_[2] = {false, false};
    SimTime started_at_[2];       ///< start of the op running on each resource
    OpShard running_shard_[2];    ///< its shard
    OpTiming running_timing_[2];  ///< its cost
    std::map<std::uint64_t, MemberSchedule> schedules_;           ///< this member's view, by bytes
    std::unordered_map<std::size_t, CollectiveProgress> active_;  ///< by index(entry, mb)
    DramChannel dram_channel_;
    std::vector<std::int32_t> weight_slot_;  ///< per entry: resident slot, or kStreamed
    std::vector<bool> weight_loaded_;        ///< per slot: read from DRAM already
    workload::MoeSpec moe_;
    std::vector<MoeRole> moe_role_;              ///< per entry; empty unless ep > 1
    std::vector<std::uint32_t> moe_combine_of_;  ///< per router entry: its combine entry
    std::map<std::pair<std::uint32_t, std::uint32_t>, MoeLayer> moe_layers_;
    MoeJob running_job_;  ///< the expert job on the cores (empty name: none)
    std::uint64_t completed_ = 0;
    ChipTotals totals_;
    std::vector<stats::TimelineRow> records_;
};

}  // namespace ltdes::cluster
