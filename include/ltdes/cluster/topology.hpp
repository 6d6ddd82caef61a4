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
/// 0..chips-1 and, for the switch and the buses, hub nodes from id `chips` on. A message crosses
/// the links of its route cut-through: its head pays one hop latency per link, its body is
/// pipelined behind it, so an idle route takes hops·hop_latency + bytes/bandwidth.
///  - ring: bidirectional, chips in id order, the shorter way (ties: upwards);
///  - torus: rows of `columns` chips (row-major ids), each row and column a ring; X first;
///  - fully_connected: a link between every pair, one hop;
///  - star_switch: chip → switch → chip is one route hop whose latency is both links plus the
///    switch; the switch's output port towards a chip is that chip's receive port;
///  - bus: one SWMR optical bus for every chip; a transfer goes from the sender's own
///    wavelength group straight to its readers in one bus hop (no relay, no arbitration);
///  - bus_per_tp: the ring, plus one such bus per tensor-parallel group (`tp` consecutive ids):
///    messages between members of a group take their bus, all others the ring. A group of
///    more than bcast.max_readers + 1 chips has no bus (its messages stay on the ring).
class Topology {
public:
    /// Requires spec.validate() to have passed and chips > 0. `tp`: chips per tensor group
    /// (bus_per_tp only; it must divide chips).
    Topology(const ClusterSpec& spec, std::uint32_t chips, std::uint32_t tp = 1);

    TopologyKind kind() const { return kind_; }

    std::uint32_t chips() const { return chips_; }

    /// Id of the switch node, or of the bus of a one-bus cluster (= chips).
    std::uint32_t hub() const { return chips_; }

    /// Torus: chips per row (1 row = a ring); other topologies: chips.
    std::uint32_t columns() const { return columns_; }

    /// Latency of one route hop, fibre included (switch: both links and the switch; bus: the
    /// bus hop; bus_per_tp: a ring link).
    SimTime hop_latency() const { return hop_latency_; }

    /// Whether any chips share a bus (bus with > 1 chip; bus_per_tp with tensor groups that fit
    /// bcast.max_readers).
    bool has_bus() const { return bus_group_ > 1; }

    /// Whether a message from chip `a` to chip `b` (a ≠ b) goes over their shared bus.
    bool on_bus(std::uint32_t a, std::uint32_t b) const {
        return bus_group_ > 1 && a != b && a / bus_group_ == b / bus_group_;
    }

    /// Node id of the bus `chip` writes to (chips + its group; a one-bus cluster: chips).
    std::uint32_t bus_node(std::uint32_t chip) const { return chips_ + chip / bus_group_; }

    /// Sender-to-reader latency of a bus transfer, fibre included.
    SimTime bus_latency() const { return bus_latency_; }

    /// Time to put `bytes` on a sender's bus channel, rounded up to whole picoseconds.
    SimTime bus_serialization(std::uint64_t bytes) const;

    /// The smallest delay of any event between two LPs (> 0): one hop (bus or link).
    SimTime lookahead() const;

    /// Bandwidth of one link direction (switch: of a port; bus: of one sender's channel), bit/s.
    double bandwidth_bps() const { return bandwidth_bps_; }

    /// Time to put `bytes` on one link, rounded up to whole picoseconds.
    SimTime serialization(std::uint64_t bytes) const;

    /// The node after `at` on the link route from `at` to `dst` (at ≠ dst): a neighbour chip, or
    /// `dst` itself for fully connected, switch and bus (the hub is not a stop). With
    /// bus_per_tp always the ring's: whether a message takes the bus is the sender's choice
    /// (on_bus), and a ring message passing through the destination's group stays on the ring.
    std::uint32_t next_hop(std::uint32_t at, std::uint32_t dst) const;

    /// Route hops from `src` to `dst` (0 when src = dst; fully connected, switch, on a bus: 1).
    std::uint32_t hops(std::uint32_t src, std::uint32_t dst) const;

    /// Chips the route from `src` to `dst` visits after `src`, `dst` included (over a bus:
    /// just `dst`).
    std::vector<std::uint32_t> route(std::uint32_t src, std::uint32_t dst) const;

    /// Nodes `chip` has an outgoing link to, ascending (switch, bus: the hub; bus_per_tp: its
    /// ring neighbours, then its group's bus node).
    std::vector<std::uint32_t> out_links(std::uint32_t chip) const;

    /// Unloaded point-to-point transfer time: hops·hop_latency + serialization (cut-through;
    /// over a bus: bus_latency + bus_serialization).
    SimTime transfer_time(std::uint32_t src, std::uint32_t dst, std::uint64_t bytes) const;

    /// Link energy of `bytes` over one route hop, pJ (switch: both links and the switch).
    double hop_energy_pj(std::uint64_t bytes) const;

    /// Energy of `bytes` over one physical link (switch: one of the two links), pJ.
    double link_energy_pj(std::uint64_t bytes) const;

    /// Link energy of a point-to-point transfer in pJ: hop energy · hops (over a bus: E(1) per
    /// bit).
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
    std::uint32_t bus_group_;  ///< chips per bus; 1 = no bus
    SimTime hop_latency_;
    SimTime bus_latency_;
    double bandwidth_bps_;
    double bus_bandwidth_bps_;
    double hop_energy_pj_per_bit_;
    double link_energy_pj_per_bit_;
    BcastSpec bcast_;
};

}  // namespace ltdes::cluster
