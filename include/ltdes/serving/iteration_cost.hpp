// SPDX-License-Identifier: MIT
// Duration and energy of one serving iteration on one replica, stage by stage, from the same
// cost model, op sharding, link and collective formulas as the op-level run.
#pragma once

#include "ltdes/cluster/chip_model.hpp"
#include "ltdes/cluster/plan.hpp"
#include "ltdes/cluster/topology.hpp"
#include "ltdes/core/energy.hpp"
#include "ltdes/core/sim_time.hpp"
#include "ltdes/serving/iteration_ops.hpp"

#include <cstdint>
#include <functional>
#include <span>
#include <unordered_map>
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
/// head (last stage). An all-reduce after an op takes its unloaded collective time and energy.
class IterationCostModel {
public:
    IterationCostModel(const cluster::Plan& plan,
                       const cluster::Topology& topology,
                       std::uint32_t replica,
                       std::uint32_t bits,
                       bool overlap,
                       std::function<cluster::OpCostFn(std::uint32_t chip)> cost_of_chip,
                       std::function<std::uint32_t(std::uint32_t chip)> arch_key,
                       cluster::CollectiveSpec collective = {});

    IterationCost cost(std::span<const SliceShape> batch) const;

private:
    struct Segment {
        SimTime duration;
        EnergyPj energy;             ///< the chip's ops
        double all_reduce_pj = 0.0;  ///< its all-reduces, for the whole tensor group
    };

    /// Time and energy of `ops` on the chip of (stage, tensor rank), all-reduces included.
    Segment run_segment(const std::vector<workload::Op>& ops,
                        std::uint32_t stage,
                        std::uint32_t t,
                        std::int32_t layer) const;

    /// What an op costs on one (stage, tensor rank), memoised: the same shapes recur in almost
    /// every iteration (every weight GEMM of a decode step), so the cost model runs once each.
    struct OpKey {
        std::uint64_t m, n, k, count;
        std::uint32_t stage_rank;
        std::uint8_t kind, role, tp_role;

        friend bool operator==(const OpKey&, const OpKey&) = default;
    };

    struct OpKeyHash {
        std::size_t operator()(const OpKey& k) const;
    };

    struct OpValue {
        SimTime duration;
        EnergyPj energy;
        SimTime all_reduce;  ///< 0 when the op needs none
        double all_reduce_pj = 0.0;
    };

    const OpValue& op_cost(const workload::Op& op, std::uint32_t stage, std::uint32_t t) const;

    mutable std::unordered_map<OpKey, OpValue, OpKeyHash> memo_;
    cluster::Plan plan_;
    cluster::Topology topology_;
    std::uint32_t replica_;
    std::uint32_t bits_;
    bool overlap_;
    cluster::CollectiveSpec collective_;         ///< the all-reduce the chip LPs would replay
    std::vector<cluster::OpCostFn> cost_;        ///< by chip of the replica, (stage, t) row-major
    std::vector<std::uint32_t> representative_;  ///< tensor rank costed in place of each rank
};

}  // namespace ltdes::serving
