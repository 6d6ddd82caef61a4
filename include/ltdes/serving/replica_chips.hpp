// SPDX-License-Identifier: MIT
// The chips of one replica at op fidelity: every op of a serving iteration runs on the chip
// models of the op-level run (ChipModel: photonic cores and DRAM channel, link FIFOs, ring and
// bus all-reduces, activation transfers between stages), one DES event per op completion,
// activation and all-reduce chunk, as self-events of the replica's LP.
#pragma once

#include "ltdes/cluster/chip_model.hpp"
#include "ltdes/cluster/cluster_spec.hpp"
#include "ltdes/cluster/plan.hpp"
#include "ltdes/cluster/stage_program.hpp"
#include "ltdes/cluster/topology.hpp"
#include "ltdes/core/energy.hpp"
#include "ltdes/core/sim_time.hpp"
#include "ltdes/des/context.hpp"
#include "ltdes/des/event.hpp"
#include "ltdes/des/state_bytes.hpp"
#include "ltdes/serving/iteration_ops.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <vector>

namespace ltdes::serving {

/// Replica self-event: a chip's own op finished (`chip` is the replica-local index).
struct ChipOpDoneEvent {
    static constexpr std::uint16_t kKind = 211;
    cluster::OpDoneMsg msg;
    std::uint32_t chip = 0;
};

/// Replica self-event: an activation reaches chip `chip` (its destination, or a chip on its
/// route).
struct ChipActivationEvent {
    static constexpr std::uint16_t kKind = 212;
    cluster::ActivationMsg msg;
    std::uint32_t chip = 0;
};

/// Replica self-event: an all-reduce message reaches chip `chip` (its destination, or a chip on
/// its route).
struct ChipChunkEvent {
    static constexpr std::uint16_t kKind = 213;
    cluster::ReduceChunkMsg msg;
    std::uint32_t chip = 0;
};

/// The tp × pp chips of replica `replica` of `plan`, running one iteration at a time. Chip
/// (stage s, tensor rank t) is plan.chip({replica, s, t}) with `cost_of_chip(chip)` (memoised
/// per chip: decode steps repeat the same shapes). The iteration's ops are
/// build_iteration_graph's, split into stage programs as the op-level run splits a trace.
class ReplicaChips {
public:
    ReplicaChips(const cluster::Plan& plan,
                 const cluster::ClusterSpec& spec,
                 std::uint32_t replica,
                 std::uint32_t bits,
                 const std::function<cluster::OpCostFn(std::uint32_t chip)>& cost_of_chip,
                 std::function<std::uint64_t(std::uint32_t chip)> sram_bytes = {});

    /// Starts an iteration over `batch` at ctx.now(): every chip of the first stage starts its
    /// ops that wait on nothing (the token embedding), as chips start a static pass. Weights
    /// that fit a chip's SRAM are read from DRAM when `cold` (the replica's first iteration)
    /// and used from SRAM otherwise.
    void start(std::span<const SliceShape> batch, bool cold, des::Context& ctx);

    /// Handles one of the events above; false when `ev` is not one of them.
    bool on_event(const des::Event& ev, des::Context& ctx);

    /// Every op of the current iteration has completed, all-reduces and transfers included.
    bool finished() const;

    /// Once finished: when the generated token ids are back on every chip of the first stage
    /// (each last-stage tensor rank sends them to the same rank of the first stage as soon as
    /// its LM head is done; 4 bytes per emitting request). The last end when pp = 1 or nothing
    /// was emitted.
    SimTime resume_time() const;

    /// Once finished: the iteration's energy, every chip in (stage, tensor rank) order, then
    /// the token transfers back.
    EnergyPj energy() const;

    /// Checkpoints (replica_chips_checkpoint.cpp): the current iteration's batch and cold
    /// flag, every chip's state and the relays on routes outside the replica. The
    /// programs and chip models are rebuilt from the batch on restore, then given their state.
    void save(des::StateWriter& out) const;
    /// Restores what save() wrote for the same replica of the same plan (SnapshotError when
    /// it does not fit).
    void restore(des::StateReader& in);

private:
    std::uint32_t local(std::uint32_t chip) const { return chip - first_chip_; }

    /// Builds the programs and chip models of an iteration over `batch` (not started).
    void build(std::span<const SliceShape> batch, bool cold);

    void flush(des::Context& ctx);

    /// `msg` reached `chip`, outside the replica, on its way: that chip's links pass it on.
    template <typename Msg>
    void pass_on(std::uint32_t chip, const Msg& msg, SimTime now);

    cluster::Plan plan_;
    cluster::ClusterSpec spec_;
    cluster::Topology topology_;
    std::uint32_t replica_;
    std::uint32_t bits_;
    std::uint32_t first_chip_;
    std::vector<cluster::OpCostFn> cost_;                          ///< by local chip, memoised
    std::function<std::uint64_t(std::uint32_t chip)> sram_bytes_;  ///< empty: nothing resident
    std::vector<cluster::StageProgram> programs_;
    std::vector<cluster::ChipModel> chips_;  ///< by local chip (stage-major)
    std::vector<cluster::Outgoing> out_;
    std::map<std::uint32_t, cluster::ChipNetwork> relays_;  ///< chips outside, on routes
    std::uint64_t emitting_ = 0;
    std::vector<SliceShape> batch_;  ///< of the current iteration
    bool cold_ = false;              ///< the current iteration reads resident weights from DRAM
};

}  // namespace ltdes::serving
