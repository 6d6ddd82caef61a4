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

/// Links from position a to b on a ring of n, the shorter way.
std::uint32_t ring_distance(std::uint32_t a, std::uint32_t b, std::uint32_t n) {
    const std::uint32_t d = a > b ? a - b : b - a;
    return std::min(d, n - d);
}

/// The next position after a towards b on a ring of n (a ≠ b): upwards on a tie.
std::uint32_t ring_step(std::uint32_t a, std::uint32_t b, std::uint32_t n) {
    const std::uint32_t forward = (b + n - a) % n;
    return forward <= n - forward ? (a + 1) % n : (a + n - 1) % n;
}

}  // namespace

std::uint32_t Topology::torus_columns(std::uint32_t chips, std::uint32_t requested) {
    if (requested != 0) {
        return requested;
    }
    std::uint32_t x = 1;
    while (std::uint64_t{x} * x < chips || chips % x != 0) {
        ++x;
    }
    return x;
}

Topology::Topology(const ClusterSpec& spec, std::uint32_t chips, std::uint32_t tp)
    : kind_(spec.topology),
      chips_(chips),
      columns_(spec.topology == TopologyKind::torus ? torus_columns(chips, spec.torus.columns)
                                                    : chips),
      bus_group_(1),
      bcast_(spec.bcast) {
    LTDES_ASSERT(chips > 0, "topology of 0 chips");
    LTDES_ASSERT(columns_ > 0 && chips % columns_ == 0, "torus of {} columns for {} chips",
                 columns_, chips);
    const double fiber_ns = spec.link.fiber_m * kFiberNsPerM;
    const double link_ns = spec.link.latency_ns + fiber_ns;
    double latency_ns = link_ns;
    bandwidth_bps_ = spec.link.bandwidth_gbps * 1e9;
    bus_bandwidth_bps_ = spec.bcast.bandwidth_gbps * 1e9;
    hop_energy_pj_per_bit_ = spec.link.energy_pj_per_bit;
    link_energy_pj_per_bit_ = spec.link.energy_pj_per_bit;
    if (kind_ == TopologyKind::bus) {
        bus_group_ = chips;
        latency_ns = spec.bcast.latency_ns + fiber_ns;
        bandwidth_bps_ = bus_bandwidth_bps_;
    } else if (kind_ == TopologyKind::bus_per_tp) {
        LTDES_ASSERT(tp > 0 && chips % tp == 0, "tensor groups of {} in {} chips", tp, chips);
        // A group whose all-gather would reach more readers than the laser budget allows stays
        // on the ring.
        bus_group_ = tp - 1 <= spec.bcast.max_readers ? tp : 1;
    } else if (kind_ == TopologyKind::star_switch) {
        latency_ns = 2.0 * link_ns + spec.switch_spec.latency_ns;
        bandwidth_bps_ = spec.switch_spec.port_bandwidth_gbps * 1e9;
        hop_energy_pj_per_bit_ =
            2.0 * spec.link.energy_pj_per_bit + spec.switch_spec.energy_pj_per_bit;
    }
    hop_latency_ = ns_to_time(latency_ns);
    bus_latency_ = ns_to_time(spec.bcast.latency_ns + fiber_ns);
    LTDES_ASSERT(lookahead() > SimTime::zero(), "lookahead must be > 0 (validate() checks it)");
}

SimTime Topology::lookahead() const {
    return kind_ == TopologyKind::bus_per_tp && has_bus() ? std::min(hop_latency_, bus_latency_)
                                                          : hop_latency_;
}

SimTime Topology::serialization(std::uint64_t bytes) const {
    const double ps = std::ceil(static_cast<double>(bytes) * 8.0 * 1e12 / bandwidth_bps_);
    return SimTime::from_ps(static_cast<std::int64_t>(ps));
}

SimTime Topology::bus_serialization(std::uint64_t bytes) const {
    const double ps = std::ceil(static_cast<double>(bytes) * 8.0 * 1e12 / bus_bandwidth_bps_);
    return SimTime::from_ps(static_cast<std::int64_t>(ps));
}

std::uint32_t Topology::next_hop(std::uint32_t at, std::uint32_t dst) const {
    LTDES_ASSERT(at < chips_ && dst < chips_ && at != dst, "next hop {} -> {} of {} chips", at, dst,
                 chips_);
    if (kind_ == TopologyKind::ring || kind_ == TopologyKind::bus_per_tp) {
        return ring_step(at, dst, chips_);
    }
    if (kind_ == TopologyKind::torus) {
        const std::uint32_t rows = chips_ / columns_;
        const std::uint32_t ax = at % columns_;
        const std::uint32_t ay = at / columns_;
        const std::uint32_t bx = dst % columns_;
        const std::uint32_t by = dst / columns_;
        if (ax != bx) {
            return ay * columns_ + ring_step(ax, bx, columns_);
        }
        return ring_step(ay, by, rows) * columns_ + ax;
    }
    return dst;
}

std::uint32_t Topology::hops(std::uint32_t src, std::uint32_t dst) const {
    LTDES_ASSERT(src < chips_ && dst < chips_, "hops {} -> {} of {} chips", src, dst, chips_);
    if (src == dst) {
        return 0;
    }
    if (on_bus(src, dst)) {
        return 1;
    }
    if (kind_ == TopologyKind::ring || kind_ == TopologyKind::bus_per_tp) {
        return ring_distance(src, dst, chips_);
    }
    if (kind_ == TopologyKind::torus) {
        const std::uint32_t rows = chips_ / columns_;
        return ring_distance(src % columns_, dst % columns_, columns_) +
               ring_distance(src / columns_, dst / columns_, rows);
    }
    return 1;
}

std::vector<std::uint32_t> Topology::route(std::uint32_t src, std::uint32_t dst) const {
    std::vector<std::uint32_t> r;
    if (on_bus(src, dst)) {
        r.push_back(dst);
        return r;
    }
    for (std::uint32_t at = src; at != dst;) {
        at = next_hop(at, dst);
        r.push_back(at);
    }
    return r;
}

std::vector<std::uint32_t> Topology::out_links(std::uint32_t chip) const {
    LTDES_ASSERT(chip < chips_, "chip {} of {}", chip, chips_);
    std::vector<std::uint32_t> out;
    if (chips_ == 1) {
        return out;
    }
    if (kind_ == TopologyKind::bus || kind_ == TopologyKind::star_switch) {
        out.push_back(hub());
        return out;
    }
    if (kind_ == TopologyKind::fully_connected) {
        for (std::uint32_t c = 0; c < chips_; ++c) {
            if (c != chip) {
                out.push_back(c);
            }
        }
        return out;
    }
    const std::uint32_t x = chip % columns_;
    const std::uint32_t y = chip / columns_;
    const std::uint32_t rows = chips_ / columns_;
    const auto add = [&](std::uint32_t nx, std::uint32_t ny) {
        const std::uint32_t n = ny * columns_ + nx;
        if (n != chip && std::find(out.begin(), out.end(), n) == out.end()) {
            out.push_back(n);
        }
    };
    add((x + 1) % columns_, y);
    add((x + columns_ - 1) % columns_, y);
    add(x, (y + 1) % rows);
    add(x, (y + rows - 1) % rows);
    std::sort(out.begin(), out.end());
    if (kind_ == TopologyKind::bus_per_tp && has_bus()) {
        out.push_back(bus_node(chip));  // above every chip id: the list stays sorted
    }
    return out;
}

SimTime Topology::transfer_time(std::uint32_t src, std::uint32_t dst, std::uint64_t bytes) const {
    const std::uint32_t h = hops(src, dst);
    if (h == 0) {
        return SimTime::zero();
    }
    if (on_bus(src, dst)) {
        return bus_latency_ + bus_serialization(bytes);
    }
    return SimTime::from_ps(hop_latency_.in_ps() * h) + serialization(bytes);
}

double Topology::hop_energy_pj(std::uint64_t bytes) const {
    return static_cast<double>(bytes) * 8.0 * hop_energy_pj_per_bit_;
}

double Topology::link_energy_pj(std::uint64_t bytes) const {
    return static_cast<double>(bytes) * 8.0 * link_energy_pj_per_bit_;
}

double Topology::transfer_energy_pj(std::uint32_t src,
                                    std::uint32_t dst,
                                    std::uint64_t bytes) const {
    const double bits = static_cast<double>(bytes) * 8.0;
    if (on_bus(src, dst)) {
        return bits * bus_energy_pj_per_bit(1);
    }
    return hop_energy_pj(bytes) * hops(src, dst);
}

double Topology::bus_energy_pj_per_bit(std::uint32_t readers) const {
    const double n = readers;
    const double laser =
        bcast_.e_laser_pj_per_bit_per_reader *
        std::pow(10.0, bcast_.splitter_excess_db_per_stage * std::log2(std::max(n, 1.0)) / 10.0);
    return bcast_.e_tx_pj_per_bit + n * (bcast_.e_rx_pj_per_bit + laser);
}

}  // namespace ltdes::cluster
