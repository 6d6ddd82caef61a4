// SPDX-License-Identifier: MIT
#include "ltdes/cluster/chip_network.hpp"

#include "ltdes/core/assert.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace ltdes::cluster {

ChipNetwork::ChipNetwork(const Topology& topology, std::uint32_t chip)
    : topology_(topology), chip_(chip) {
    for (const std::uint32_t to : topology.out_links(chip)) {
        links_.push_back(Link{LinkUse{chip, to, 0, 0, 0.0}, SimTime::zero()});
    }
    port_ = LinkUse{topology.hub(), chip, 0, 0, 0.0};
}

ChipNetwork::Link& ChipNetwork::link_to(std::uint32_t node) {
    // out_links() is sorted (a hub or bus node comes after every chip).
    const auto it = std::lower_bound(links_.begin(), links_.end(), node,
                                     [](const Link& l, std::uint32_t n) { return l.use.to < n; });
    LTDES_ASSERT(it != links_.end() && it->use.to == node, "chip {} has no link to {}", chip_,
                 node);
    return *it;
}

ChipNetwork::Hop ChipNetwork::send(std::uint32_t dst, std::uint64_t bytes, SimTime now) {
    const Topology& t = topology_;
    LTDES_ASSERT(t.kind() != TopologyKind::bus, "point-to-point send to {} on the bus", dst);
    const std::uint32_t next = t.next_hop(chip_, dst);
    Link& l = link_to(t.kind() == TopologyKind::star_switch ? t.hub() : next);
    const SimTime depart = std::max(now, l.free_at);
    const SimTime ser = t.serialization(bytes);
    l.free_at = depart + ser;
    l.use.bytes += bytes;
    l.use.busy_ps += ser.in_ps();
    // The switch's output port (the receiver's) books the second link's energy.
    l.use.energy_pj += t.kind() == TopologyKind::star_switch
                           ? t.hop_energy_pj(bytes) - t.link_energy_pj(bytes)
                           : t.hop_energy_pj(bytes);
    const SimTime head = depart + t.hop_latency();
    return Hop{next, (next == dst ? head + ser : head) - now, depart};
}

SimTime ChipNetwork::send_bus(std::uint64_t bytes, std::uint32_t readers, SimTime now) {
    const Topology& t = topology_;
    Link& l = link_to(t.bus_node(chip_));
    const SimTime depart = std::max(now, l.free_at);
    const SimTime ser = t.bus_serialization(bytes);
    l.free_at = depart + ser;
    l.use.bytes += bytes;
    l.use.busy_ps += ser.in_ps();
    l.use.energy_pj += static_cast<double>(bytes) * 8.0 * t.bus_energy_pj_per_bit(readers);
    return depart;
}

SimTime ChipNetwork::receive(std::uint64_t bytes, SimTime now) {
    const Topology& t = topology_;
    const SimTime ser = t.serialization(bytes);
    const SimTime done = std::max(now, port_free_ + ser);
    port_free_ = done;
    if (t.kind() == TopologyKind::star_switch) {
        port_.bytes += bytes;
        port_.busy_ps += ser.in_ps();
        port_.energy_pj += t.link_energy_pj(bytes);
    }
    return done;
}

void ChipNetwork::append_state(SimTime origin, std::vector<std::int64_t>& out) const {
    for (const Link& l : links_) {
        out.push_back((std::max(l.free_at, origin) - origin).in_ps());
    }
    out.push_back((std::max(port_free_, origin) - origin).in_ps());
}

void ChipNetwork::shift(SimTime origin, SimTime by) {
    for (Link& l : links_) {
        l.free_at = std::max(l.free_at, origin) + by;
    }
    port_free_ = std::max(port_free_, origin) + by;
}

std::vector<LinkUse> ChipNetwork::links() const {
    std::vector<LinkUse> out;
    for (const Link& l : links_) {
        out.push_back(l.use);
    }
    if (topology_.kind() == TopologyKind::star_switch) {
        out.push_back(port_);
    }
    return out;
}

void ChipNetwork::save(des::StateWriter& out) const {
    out.put_vector(links_);
    out.put(port_free_);
    out.put(port_);
}

void ChipNetwork::restore(des::StateReader& in) {
    const std::vector<Link> links = in.get_vector<Link>(links_.size());
    in.check(links.size() == links_.size(),
             fmt::format("chip {}: {} links saved, the topology gives {}", chip_, links.size(),
                         links_.size()));
    for (std::size_t i = 0; i < links.size(); ++i) {
        in.check(links[i].use.from == links_[i].use.from && links[i].use.to == links_[i].use.to,
                 fmt::format("chip {}: a saved link is not the topology's", chip_));
    }
    links_ = links;
    port_free_ = in.get<SimTime>();
    const LinkUse port = in.get<LinkUse>();
    in.check(port.from == port_.from && port.to == port_.to,
             fmt::format("chip {}: the saved receive port is not the topology's", chip_));
    port_ = port;
}

}  // namespace ltdes::cluster
