// SPDX-License-Identifier: MIT
// Duration and energy of one serving iteration on one replica, stage by stage, from the same
// cost model, op sharding, link and collective formulas as the op-level run.
#pragma once

#include "ltdes/cluster/chip_model.hpp"
#include "ltdes/cluster/network_replay.hpp"
#include "ltdes/cluster/plan.hpp"
#include "ltdes/cluster/topology.hpp"
#include "ltdes/core/energy.hpp"
#include "ltdes/core/sim_time.hpp"
#include "ltdes/serving/iteration_ops.hpp"
#include "ltdes/serving/ring_group.hpp"

#include <cstdint>
#include <functional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace ltdes::serving {

/// One pipeline stage's part of an iteration.
struct StageCost {
    SimTime duration;  ///< its compute and all-reduces (slowest tensor rank)
    SimTime transfer;  ///< activations to the next stage (0 on the last stage)
    EnergyPj energy;   ///< all its chips, all-reduces and outgoing transfers (link)
};

/// A whole iteration: the stages in order, then the token going back to the first stage.
struct IterationCost {
    std::vector<StageCost> stages;
    SimTime feedback;  ///< last stage → first stage (the generated token ids), pp > 1 only

    /// Time from the iteration's start to its tokens (all stages and transfers).
    SimTime duration() const;

    /// Energy of every stage, per component.
    EnergyPj energy() const;

    /// Total energy, pJ.
    double energy_pj() const { return energy().total(); }
};

/// Costs iterations of replica `replica` of `plan`. Stage s of tensor rank t runs on
/// plan.chip({replica, s, t}) with `cost_of_chip(chip)`; chips whose `arch_key` and tensor
/// share agree are costed once. Each stage: the embedding (first stage), its layers (one block
/// costed and multiplied: every block starts with both resources free), the final norm and LM
/// head (last stage). An all-reduce after an op takes its collective time and energy replayed on
/// an idle network with the chip LPs' rules and `collective` (cluster::replay_collective); the
/// activations to the next stage go all at once over the links (cluster::NetworkReplay).
/// Weights that fit a chip's `sram_bytes` (first fit in trace order, as the op-level chip model
/// decides) are read from DRAM in the replica's first (cold) iteration only; empty: none fit.
/// Where the tensor ranks of a stage would not run in lockstep (a ring whose wrap-around
/// message crosses more than one link, an algorithm whose messages cross several hops, or ranks
/// with unequal shares), the durations come from the ranks run side by side instead (RingGroup)
/// over one network that keeps its links' state through the iteration: each rank starts its
/// next op when its own all-reduce is done, and blocks repeat until the ranks' offsets and the
/// links' state reach a steady state.
class IterationCostModel {
public:
    IterationCostModel(const cluster::Plan& plan,
                       const cluster::Topology& topology,
                       std::uint32_t replica,
                       std::uint32_t bits,
                       bool overlap,
                       std::function<cluster::OpCostFn(std::uint32_t chip)> cost_of_chip,
                       std::function<std::uint32_t(std::uint32_t chip)> arch_key,
                       std::function<std::uint64_t(std::uint32_t chip)> sram_bytes = {},
                       cluster::CollectiveSpec collective = {});

    /// `cold`: the replica's first iteration, which reads its resident weights from DRAM.
    IterationCost cost(std::span<const SliceShape> batch, bool cold = false) const;

private:
    struct Segment {
        SimTime duration;
        EnergyPj energy;             ///< the chip's ops
        double all_reduce_pj = 0.0;  ///< its all-reduces, for the whole tensor group
    };

    /// Time and energy of `ops` on the chip of (stage, tensor rank), all-reduces included; the
    /// weights of `layer` found resident (and not `cold`) come from SRAM.
    Segment run_segment(const std::vector<workload::Op>& ops,
                        std::uint32_t stage,
                        std::uint32_t t,
                        std::int32_t layer,
                        bool cold) const;

    /// Calls f(first layer, layers) for each run of consecutive `layers` of `stage` whose GEMMs
    /// in `ops` are resident alike on tensor ranks [t_begin, t_end) (one run when `cold`).
    void for_each_residency_run(const std::vector<workload::Op>& ops,
                                std::uint32_t stage,
                                std::uint32_t t_begin,
                                std::uint32_t t_end,
                                const cluster::Range& layers,
                                bool cold,
                                const std::function<void(std::uint32_t, std::uint32_t)>& f) const;

    /// The weight matrix (layer, name) stays in the SRAM of (stage, tensor rank).
    bool resident(std::uint32_t stage,
                  std::uint32_t t,
                  std::int32_t layer,
                  const std::string& name) const;

    /// What an op costs on one (stage, tensor rank), memoised: the same shapes recur in almost
    /// every iteration (every weight GEMM of a decode step), so the cost model runs once each.
    struct OpKey {
        std::uint64_t m, n, k, count;
        std::uint32_t stage_rank;
        std::uint8_t kind, role, tp_role, resident;

        friend bool operator==(const OpKey&, const OpKey&) = default;
    };

    /// (layer, op name) of the weights resident on one chip, found by a name that is not
    /// copied: resident() runs for every op of every layer of a cost the cache misses.
    struct ResidentOrder {
        using is_transparent = void;

        template <class A, class B>
        bool operator()(const A& a, const B& b) const {
            return std::pair<std::int32_t, std::string_view>(a.first, a.second) <
                   std::pair<std::int32_t, std::string_view>(b.first, b.second);
        }
    };

    using ResidentSet = std::set<std::pair<std::int32_t, std::string>, ResidentOrder>;

    struct OpKeyHash {
        std::size_t operator()(const OpKey& k) const;
    };

    struct OpValue {
        cluster::OpTiming timing;
        SimTime all_reduce;  ///< 0 when the op needs none
        double all_reduce_pj = 0.0;
        std::uint64_t all_reduce_bytes = 0;  ///< each rank's contribution (0: none)
    };

    const OpValue& op_cost(const workload::Op& op,
                           std::uint32_t stage,
                           std::uint32_t t,
                           bool resident) const;

    /// `times` back-to-back runs of `ops` (all of one block shape, and of `layer`'s weight
    /// residency unless `cold`) on the tensor group of `stage`, from and into `ready` (per
    /// member), the all-reduces over `net`: simulated until the state repeats, then extrapolated
    /// (the group's dynamics do not depend on absolute time).
    void run_group(const std::vector<workload::Op>& ops,
                   std::uint32_t stage,
                   std::int32_t layer,
                   std::uint64_t times,
                   bool cold,
                   std::vector<SimTime>& ready,
                   cluster::NetworkReplay& net) const;

    /// Durations of the stages, transfers and feedback of `r` from the tensor ranks run side
    /// by side (energies are left as they are).
    void group_durations(const IterationOps& ops,
                         std::uint64_t tokens,
                         std::uint64_t emitting,
                         bool cold,
                         IterationCost& r) const;

    /// Stage `stage`'s transfers: one per tensor rank to the same rank of the next stage, or
    /// after the last stage the `emitting` token ids back to the first; each leaves at
    /// `departs[t]` (at time zero when `departs` is empty).
    std::vector<cluster::Transfer> stage_transfers(std::uint32_t stage,
                                                   std::uint64_t tokens,
                                                   std::uint64_t emitting,
                                                   std::span<const SimTime> departs) const;

    mutable std::unordered_map<OpKey, OpValue, OpKeyHash> memo_;
    cluster::Plan plan_;
    cluster::Topology topology_;
    std::uint32_t replica_;
    std::uint32_t bits_;
    bool overlap_;
    cluster::CollectiveSpec collective_;         ///< the all-reduce the chip LPs would replay
    std::vector<cluster::OpCostFn> cost_;        ///< by chip of the replica, (stage, t) row-major
    std::vector<std::uint32_t> representative_;  ///< tensor rank costed in place of each rank
    /// Resident weight matrices (layer, name) of each (stage, t), row-major.
    std::vector<ResidentSet> resident_;
    std::vector<RingGroup> groups_;  ///< by stage, when the ranks are run side by side
};

}  // namespace ltdes::serving
