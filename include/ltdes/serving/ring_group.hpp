// SPDX-License-Identifier: MIT
// The members of one tensor group running the same op DAG side by side, coupled by the ring
// all-reduces after some ops, by the chip model's rules: each member list-schedules its ops on
// its photonic cores and DRAM channel; member i sends all-reduce step s to member i+1 once its
// partial sums exist and it has received step s−1, FIFO on its outgoing link; an all-reduce is
// done on a member when its last chunk arrives. Members may start at different times and drift
// apart (a wrap-around message that crosses several links, unequal tensor shares); this is what
// the iteration cost uses when one synchronised member schedule would not be exact.
#pragma once

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
    bool all_reduce = false;             ///< a ring all-reduce of its partial sums follows
    std::uint64_t all_reduce_bytes = 0;  ///< bytes each member contributes
    std::vector<std::uint32_t> deps;     ///< indices of earlier ops
};

/// What a member carries from one segment of ops to the next.
struct MemberClock {
    SimTime ready;      ///< its previous segment is done (both resources free)
    SimTime link_free;  ///< its outgoing link towards the next member is free

    friend bool operator==(const MemberClock&, const MemberClock&) = default;
};

/// The ring (or fully connected) tensor group `chips` (tensor-rank order) of `topology`.
class RingGroup {
public:
    RingGroup(const cluster::Topology& topology, std::vector<std::uint32_t> chips, bool overlap);

    std::uint32_t members() const { return static_cast<std::uint32_t>(chips_.size()); }

    /// Runs `ops` `times` times back to back on every member m from clocks[m] with
    /// timings[m][op] (the DRAM parts queue on the member's one cluster::DramChannel); every op of
    /// the segment must be an ancestor of its last op. On return clocks[m].ready is when member m's
    /// last op is done and clocks[m].link_free when its link is free again. Once the members'
    /// offsets recur (period up to 4 runs) the remaining runs are extrapolated: the dynamics do not
    /// depend on absolute time.
    void run(std::span<const GroupOp> ops,
             std::span<const std::vector<cluster::OpTiming>> timings,
             std::vector<MemberClock>& clocks,
             std::uint64_t times = 1) const;

    /// True when a message from member m to `dst` queues behind the all-reduce chunks that m
    /// sends to member m+1 (the chip model keeps one FIFO per ring direction, one per
    /// destination on a fully connected cluster).
    bool shares_link(std::uint32_t m, std::uint32_t dst) const;

private:
    std::uint32_t link_key(std::uint32_t src, std::uint32_t dst) const;

    cluster::Topology topology_;
    std::vector<std::uint32_t> chips_;
    bool overlap_;
};

}  // namespace ltdes::serving
