// SPDX-License-Identifier: MIT
// The members of one tensor group running the same op DAG side by side, coupled by the
// all-reduces after some ops, by the chip model's rules: each member list-schedules its ops on
// its photonic cores and DRAM channel; the all-reduce replays the schedule of the cluster's
// collective algorithm over the links (cluster::NetworkReplay: per-link FIFO, hop-by-hop routes,
// receive ports, the dependency rule); an all-reduce is done on a member once it has sent and
// received all its messages. Members may start at different times and drift apart (a
// wrap-around message that crosses several links, unequal tensor shares, contention on shared
// links); this is what the iteration cost uses when one synchronised member schedule would not
// be exact.
#pragma once

#include "ltdes/cluster/cluster_spec.hpp"
#include "ltdes/cluster/network_replay.hpp"
#include "ltdes/cluster/op_timing.hpp"
#include "ltdes/cluster/topology.hpp"
#include "ltdes/core/sim_time.hpp"

#include <cstdint>
#include <span>
#include <vector>

namespace ltdes::serving {

/// One op of the group's DAG (the same on every member; timings differ per member).
struct GroupOp {
    bool dram = false;                   ///< runs on the DRAM channel (with overlap)
    bool all_reduce = false;             ///< an all-reduce of its partial sums follows
    std::uint64_t all_reduce_bytes = 0;  ///< bytes each member contributes
    std::vector<std::uint32_t> deps;     ///< indices of earlier ops
};

/// The tensor group `chips` (tensor-rank order) of `topology`, reducing with `collective`.
class RingGroup {
public:
    RingGroup(const cluster::Topology& topology,
              std::vector<std::uint32_t> chips,
              bool overlap,
              cluster::CollectiveSpec collective = {});

    std::uint32_t members() const { return static_cast<std::uint32_t>(chips_.size()); }

    /// Runs `ops` `times` times back to back on every member m from ready[m] (its previous
    /// segment done) with timings[m][op] (the DRAM parts queue on the member's one
    /// cluster::DramChannel), the all-reduces over `net` (which keeps its link state). Every
    /// op of the segment must be an ancestor of its last op. On return ready[m] is when member
    /// m's last op is done. Once the members' offsets and the links' state recur (period up to
    /// 4 runs) the remaining runs are extrapolated: the dynamics do not depend on absolute time.
    void run(std::span<const GroupOp> ops,
             std::span<const std::vector<cluster::OpTiming>> timings,
             std::vector<SimTime>& ready,
             cluster::NetworkReplay& net,
             std::uint64_t times = 1) const;

private:
    cluster::Topology topology_;
    std::vector<std::uint32_t> chips_;
    bool overlap_;
    cluster::CollectiveSpec collective_;
};

}  // namespace ltdes::serving
