// SPDX-License-Identifier: MIT
#include "ltdes/cluster/topology.hpp"

#include "ltdes/core/assert.hpp"

#include <algorithm>
#include <cmath>

namespace ltdes::cluster {

namespace {

SimTime ns_to_time(double ns) {
    return SimTime::from_ps(static_cast<std::int64_t>(std::llround(ns * 1000.0)));
}

}  // namespace

Topology::Topology(const ClusterSpec& spec, std::uint32_t chips)
    : kind_(spec.topology),
      chips_(chips),
      bandwidth_bps_((spec.topology == TopologyKind::bus ? spec.bcast.bandwidth_gbps
                                                         : spec.link.bandwidth_gbps) *
                     1e9),
      link_energy_pj_per_bit_(spec.link.energy_pj_per_bit),
      bcast_(spec.bcast) {
    LTDES_ASSERT(chips > 0, "topology of 0 chips");
    const double fiber_ns = spec.link.fiber_m * kFiberNsPerM;
    const double latency_ns =
        (kind_ == TopologyKind::bus ? spec.bcast.latency_ns : spec.link.latency_ns) + fiber_ns;
    hop_latency_ = ns_to_time(latency_ns);
    bus_first_leg_ = SimTime::from_ps(hop_latency_.in_ps() / 2);
    LTDES_ASSERT(lookahead() > SimTime::zero(), "lookahead must be > 0 (validate() checks it)");
}

SimTime Topology::lookahead() const {
    return kind_ == TopologyKind::bus ? bus_first_leg_ : hop_latency_;
}

SimTime Topology::serialization(std::uint64_t bytes) const {
    const double ps = std::ceil(static_cast<double>(bytes) * 8.0 * 1e12 / bandwidth_bps_);
    return SimTime::from_ps(static_cast<std::int64_t>(ps));
}

std::uint32_t Topology::hops(std::uint32_t src, std::uint32_t dst) const {
    LTDES_ASSERT(src < chips_ && dst < chips_, "hops {} -> {} of {} chips", src, dst, chips_);
    if (src == dst) {
        return 0;
    }
    if (kind_ != TopologyKind::ring) {
        return 1;
    }
    const std::uint32_t d = src > dst ? src - dst : dst - src;
    return std::min(d, chips_ - d);
}

SimTime Topology::transfer_time(std::uint32_t src, std::uint32_t dst, std::uint64_t bytes) const {
    const std::uint32_t h = hops(src, dst);
    if (h == 0) {
        return SimTime::zero();
    }
    return SimTime::from_ps(hop_latency_.in_ps() * h) + serialization(bytes);
}

double Topology::transfer_energy_pj(std::uint32_t src,
                                    std::uint32_t dst,
                                    std::uint64_t bytes) const {
    const double bits = static_cast<double>(bytes) * 8.0;
    if (kind_ == TopologyKind::bus) {
        return src == dst ? 0.0 : bits * bus_energy_pj_per_bit(1);
    }
    return bits * link_energy_pj_per_bit_ * hops(src, dst);
}

double Topology::bus_energy_pj_per_bit(std::uint32_t readers) const {
    const double n = readers;
    const double laser =
        bcast_.e_laser_pj_per_bit_per_reader *
        std::pow(10.0, bcast_.splitter_excess_db_per_stage * std::log2(std::max(n, 1.0)) / 10.0);
    return bcast_.e_tx_pj_per_bit + n * (bcast_.e_rx_pj_per_bit + laser);
}

}  // namespace ltdes::cluster
