// SPDX-License-Identifier: MIT
// The chip LPs' network rules without the DES: collective schedules and point-to-point
// messages replayed over one ChipNetwork per chip (per-link FIFO, hop-by-hop cut-through
// routes, receive ports) and CollectiveProgress (the dependency rule of CollectiveMessage).
// The links keep their state from one call to the next, so a caller that replays the messages
// of a run in time order (the serving iteration cost's ranks run side by side) sees the
// contention the chip LPs see.
#pragma once

#include "ltdes/cluster/chip_network.hpp"
#include "ltdes/cluster/collective.hpp"
#include "ltdes/cluster/topology.hpp"
#include "ltdes/core/sim_time.hpp"

#include <cstdint>
#include <map>
#include <span>
#include <vector>

namespace ltdes::cluster {

/// One point-to-point message: `bytes` from chip `src` to chip `dst`, leaving at `depart`.
struct Transfer {
    std::uint32_t src = 0;
    std::uint32_t dst = 0;
    std::uint64_t bytes = 0;
    SimTime depart;
};

/// A network whose links remember what they carry (docs/cluster.md, "Links").
class NetworkReplay {
public:
    explicit NetworkReplay(const Topology& topology) : topology_(topology) {}

    /// Replays `schedule` among `group` (group[i] is member i) with member i's data ready at
    /// ready[i]. Returns, per member, when its part is done as on a chip LP: it has sent all its
    /// messages and taken in every message for it (at least ready[i]).
    std::vector<SimTime> collective(std::span<const std::uint32_t> group,
                                    std::span<const CollectiveMessage> schedule,
                                    std::span<const SimTime> ready);

    /// Replays `transfers` (all at once, in time order); returns when each was taken in at its
    /// destination.
    std::vector<SimTime> transfers(std::span<const Transfer> transfers);

    /// Link energy of everything sent so far, pJ (the route's energy, charged to the sender).
    double energy_pj() const { return energy_pj_; }

    /// Bytes put on links by the senders so far (a bus broadcast counts once).
    std::uint64_t bytes_sent() const { return bytes_sent_; }

    /// Steps of the collectives replayed so far (the most of any one).
    std::uint32_t steps() const { return steps_; }

    /// When each link and port becomes free, relative to `origin` (earlier = origin), in chip
    /// order: two networks with equal states behave alike from `origin` on.
    std::vector<std::int64_t> state(SimTime origin) const;

    /// Moves every link and port that is busy after `origin` `by` later (free ones to origin +
    /// by): the network as it would be if everything from `origin` on happened `by` later.
    void shift(SimTime origin, SimTime by);

private:
    ChipNetwork& net(std::uint32_t chip);

    const Topology& topology_;
    std::map<std::uint32_t, ChipNetwork> nets_;
    double energy_pj_ = 0.0;
    std::uint64_t bytes_sent_ = 0;
    std::uint32_t steps_ = 0;
};

}  // namespace ltdes::cluster
