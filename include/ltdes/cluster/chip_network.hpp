// SPDX-License-Identifier: MIT
// The network state one chip owns: the FIFO of each of its outgoing links, its receive port,
// and what went over them. Messages travel hop by hop, each hop reserving the link of the chip
// it leaves; the chip LPs and the idle-network collective replay (collective.hpp) share it.
#pragma once

#include "ltdes/cluster/topology.hpp"
#include "ltdes/core/sim_time.hpp"
#include "ltdes/des/state_bytes.hpp"

#include <cstdint>
#include <vector>

namespace ltdes::cluster {

/// What went over one directed link during a run (a /links row).
struct LinkUse {
    std::uint32_t from = 0;  ///< node id (chips, then the switch or bus nodes)
    std::uint32_t to = 0;
    std::uint64_t bytes = 0;
    std::int64_t busy_ps = 0;  ///< time the link was serialising
    double energy_pj = 0.0;
};

/// One chip's links and receive port (docs/cluster.md, "Links").
class ChipNetwork {
public:
    ChipNetwork(const Topology& topology, std::uint32_t chip);

    /// Where a message goes next and when its event is due there.
    struct Hop {
        std::uint32_t to = 0;  ///< next chip (the final receiver on one-hop topologies)
        SimTime delay;         ///< head arrival (more hops to go) or tail arrival (last hop)
        SimTime depart;        ///< when the head left on this chip's link
    };

    /// Puts `bytes` for chip `dst` (≠ this chip) on the link towards its next hop at `now`,
    /// behind what that link already carries (FIFO), cut-through: the head leaves when the
    /// link frees, the link is busy for the serialisation. Not on the one-bus topology; the
    /// sender of a message for a chip on its bus calls send_bus instead.
    Hop send(std::uint32_t dst, std::uint64_t bytes, SimTime now);

    /// Bus: puts `bytes` for `readers` readers on this chip's wavelength group of its bus;
    /// returns when the head left (the channel is busy for the serialisation after it). The
    /// channel is the chip's own, so no other sender contends for it.
    SimTime send_bus(std::uint64_t bytes, std::uint32_t readers, SimTime now);

    /// A message of `bytes` whose tail reached this chip at `now` has been taken in by the
    /// receive port at the returned time (≥ now): the port takes one message at a time at the
    /// link bandwidth. On the switch the port is the switch's output towards this chip.
    SimTime receive(std::uint64_t bytes, SimTime now);

    /// Outgoing links (and, on the switch, the switch's port towards this chip), by `to`.
    std::vector<LinkUse> links() const;

    /// Appends when each outgoing link and the receive port become free, relative to `origin`
    /// (a time before it counts as `origin`).
    void append_state(SimTime origin, std::vector<std::int64_t>& out) const;

    /// Links and port that are busy after `origin` become free `by` later; free ones at
    /// origin + by.
    void shift(SimTime origin, SimTime by);

    /// Checkpoints: the links' and the port's free times and what went over them.
    void save(des::StateWriter& out) const;
    /// Restores what save() wrote for the same chip of the same topology.
    void restore(des::StateReader& in);

private:
    struct Link {
        LinkUse use;
        SimTime free_at;
    };

    Link& link_to(std::uint32_t node);

    Topology topology_;
    std::uint32_t chip_;
    std::vector<Link> links_;  ///< one per out_links() entry, same order
    SimTime port_free_;
    LinkUse port_;  ///< switch only: hub → chip
};

}  // namespace ltdes::cluster
