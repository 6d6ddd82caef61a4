// SPDX-License-Identifier: MIT
// How chips are connected: routes, hop latency (fibre included), bandwidth, energy per bit and
// the lookahead of the DES (the smallest delay between two LPs).
#pragma once

#include "ltdes/cluster/cluster_spec.hpp"
#include "ltdes/core/sim_time.hpp"

#include <cstdint>
#include <vector>

namespace ltdes::cluster {

/// Fibre delay, n = 1.47 (docs/cluster.md).
inline constexpr double kFiberNsPerM = 4.9;

/// The interconnect of `chips` chips (docs/cluster.md, "Topology"). Nodes are the chips
/// 0..chips-1 and, for the switch and the bus, one hub node with id `chips`. A message crosses
/// the links of its route cut-through: its head pays one hop latency per link, its body is
/// pipelined behind it, so an idle route takes hops·hop_latency + bytes/bandwidth.
///  - ring: bidirectional, chips in id order, the shorter way (ties: upwards);
///  - torus: rows of `columns` chips (row-major ids), each row and column a ring; X first;
///  - fully_connected: a link between every pair, one hop;
///  - star_switch: chip → switch → chip is one route hop whose latency is both links plus the
///    switch; the switch's output port towards a chip is that chip's receive port;
///  - bus: one SWMR optical bus LP; a transfer is sender → bus → readers, each leg carrying
///    half the latency, each sender owning its own wavelength group.
class Topology {
public:
    /// Requires spec.validate() to have passed and chips > 0.
    Topology(const ClusterSpec& spec, std::uint32_t chips);

    TopologyKind kind() const { return kind_; }

    std::uint32_t chips() const { return chips_; }

    /// Id of the switch or bus node (= chips).
    std::uint32_t hub() const { return chips_; }

    /// Torus: chips per row (1 row = a ring); other topologies: chips.
    std::uint32_t columns() const { return columns_; }

    /// Latency of one route hop, fibre included (switch: both links and the switch; bus: both
    /// legs).
    SimTime hop_latency() const { return hop_latency_; }

    /// Bus only: latency of the sender → bus leg; the bus → reader leg is the rest.
    SimTime bus_first_leg() const { return bus_first_leg_; }

    /// The smallest delay of any event between two LPs (> 0): one hop, or the shorter bus leg.
    SimTime lookahead() const;

    /// Bandwidth of one link direction (switch: of a port; bus: of one sender's channel), bit/s.
    double bandwidth_bps() const { return bandwidth_bps_; }

    /// Time to put `bytes` on one link, rounded up to whole picoseconds.
    SimTime serialization(std::uint64_t bytes) const;

    /// The node after `at` on the route from `at` to `dst` (at ≠ dst): a neighbour chip, or
    /// `dst` itself for fully connected, switch and bus (the hub is not a stop).
    std::uint32_t next_hop(std::uint32_t at, std::uint32_t dst) const;

    /// Route hops from `src` to `dst` (0 when src = dst; fully connected, switch, bus: 1).
    std::uint32_t hops(std::uint32_t src, std::uint32_t dst) const;

    /// Chips the route from `src` to `dst` visits after `src`, `dst` included.
    std::vector<std::uint32_t> route(std::uint32_t src, std::uint32_t dst) const;

    /// Nodes `chip` has an outgoing link to (switch, bus: the hub).
    std::vector<std::uint32_t> out_links(std::uint32_t chip) const;

    /// Unloaded point-to-point transfer time: hops·hop_latency + serialization (cut-through).
    SimTime transfer_time(std::uint32_t src, std::uint32_t dst, std::uint64_t bytes) const;

    /// Link energy of `bytes` over one route hop, pJ (switch: both links and the switch).
    double hop_energy_pj(std::uint64_t bytes) const;

    /// Energy of `bytes` over one physical link (switch: one of the two links), pJ.
    double link_energy_pj(std::uint64_t bytes) const;

    /// Link energy of a point-to-point transfer in pJ: hop energy · hops (bus: E(1) per bit).
    double transfer_energy_pj(std::uint32_t src, std::uint32_t dst, std::uint64_t bytes) const;

    /// Bus energy per source bit delivered to `readers` readers (pJ):
    /// e_tx + N·(e_rx + e_laser·10^(splitter_db·log2(N)/10)).
    double bus_energy_pj_per_bit(std::uint32_t readers) const;

    /// The torus columns for `chips` when `requested` is 0: the smallest divisor of chips that
    /// is ≥ √chips (64 → 8 × 8, 8 → 4 × 2, a prime → one row).
    static std::uint32_t torus_columns(std::uint32_t chips, std::uint32_t requested);

private:
    TopologyKind kind_;
    std::uint32_t chips_;
    std::uint32_t columns_;
    SimTime hop_latency_;
    SimTime bus_first_leg_;
    double bandwidth_bps_;
    double hop_energy_pj_per_bit_;
    double link_energy_pj_per_bit_;
    BcastSpec bcast_;
};

}  // namespace ltdes::cluster
