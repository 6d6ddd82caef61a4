// SPDX-License-Identifier: MIT
// How the cluster's LPs map onto ranks, and what the kernel may assume about who talks to whom.
#pragma once

#include "ltdes/cluster/plan.hpp"
#include "ltdes/cluster/topology.hpp"
#include "ltdes/des/delay_graph.hpp"
#include "ltdes/des/partitioner.hpp"

#include <memory>
#include <string_view>
#include <vector>

namespace ltdes::cluster {

/// `--partition`: locality (default), block (chip id blocks), round_robin (chip i on rank i % R).
enum class PartitionKind { locality, block, round_robin };

/// Parses "locality", "block" or "round_robin"; throws UsageError naming --partition otherwise.
PartitionKind parse_partition(std::string_view text);

/// Whole replicas per rank while there are no more ranks than replicas, else whole pipeline
/// stages (tensor-parallel groups) while there are no more ranks than stages, else chips; units
/// go to ranks in contiguous, balanced blocks. Replicas never talk, so ranks holding different
/// replicas never wait for each other; the cuts fall on pipeline edges.
class LocalityPartitioner final : public des::Partitioner {
public:
    explicit LocalityPartitioner(const Plan& plan) : plan_(plan) {}

    RankId rank_of(LpId lp, std::uint32_t lp_count, int ranks) const override;

private:
    const Plan& plan_;
};

/// The partitioner of `kind` for `plan` (which must outlive it).
std::unique_ptr<des::Partitioner> make_partitioner(PartitionKind kind, const Plan& plan);

/// Who may send to whom in a cluster run (what ChipModel does): a chip exchanges collective
/// messages with the members of its tensor group and activations/tokens with the chip of the
/// same tensor rank in the other pipeline stages of its replica. Messages go hop by hop, so
/// the graph holds every hop of those routes, each at least one hop (the lookahead); a bus hop
/// goes straight from the sender to its readers.
class ChipDelayGraph final : public des::DelayGraph {
public:
    ChipDelayGraph(const Plan& plan, const Topology& topology);

    void for_each_target(LpId src, const std::function<void(LpId, SimTime)>& visit) const override;

private:
    const Plan& plan_;
    const Topology& topology_;
    std::vector<std::vector<std::uint32_t>> next_;  ///< per chip: next hops it may send to
};

}  // namespace ltdes::cluster
