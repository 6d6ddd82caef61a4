// SPDX-License-Identifier: MIT
// How chips are connected: hop latency (fibre included), bandwidth, energy per bit, routes and
// the lookahead of the DES (the smallest delay between two LPs).
#pragma once

#include "ltdes/cluster/cluster_spec.hpp"
#include "ltdes/core/sim_time.hpp"

#include <cstdint>

namespace ltdes::cluster {

/// Fibre delay, n = 1.47 (docs/cluster.md).
inline constexpr double kFiberNsPerM = 4.9;

/// The interconnect of `chips` chips. Ring: a bidirectional ring visiting chips in id order,
/// messages take the shorter way (ASTRA-sim's analytical rule: delay = hops·latency +
/// bytes/bandwidth, energy per hop). Fully connected: one hop between any two chips. Bus: one
/// shared SWMR optical bus LP; a transfer is sender → bus → readers, each leg carrying half the
/// latency (docs/architecture.md), each sender owning its own wavelength group.
class Topology {
public:
    /// Requires spec.validate() to have passed and chips > 0.
    Topology(const ClusterSpec& spec, std::uint32_t chips);

    TopologyKind kind() const { return kind_; }

    std::uint32_t chips() const { return chips_; }

    /// Sender to receiver latency of one hop, fibre included (bus: both legs).
    SimTime hop_latency() const { return hop_latency_; }

    /// Bus only: latency of the sender → bus leg; the bus → reader leg is the rest.
    SimTime bus_first_leg() const { return bus_first_leg_; }

    /// The smallest delay of any event between two LPs (> 0): one link hop, or the shorter
    /// bus leg.
    SimTime lookahead() const;

    /// Bandwidth of one link direction (bus: of one sender's channel), bit/s.
    double bandwidth_bps() const { return bandwidth_bps_; }

    /// Time to put `bytes` on one link, rounded up to whole picoseconds.
    SimTime serialization(std::uint64_t bytes) const;

    /// Links a message from `src` to `dst` crosses (0 when src = dst; bus: 1).
    std::uint32_t hops(std::uint32_t src, std::uint32_t dst) const;

    /// Unloaded point-to-point transfer time: hops·hop_latency + serialization (cut-through).
    SimTime transfer_time(std::uint32_t src, std::uint32_t dst, std::uint64_t bytes) const;

    /// Link energy of a point-to-point transfer in pJ: bits · pJ/bit · hops (bus: E(1)).
    double transfer_energy_pj(std::uint32_t src, std::uint32_t dst, std::uint64_t bytes) const;

    /// Bus energy per source bit delivered to `readers` readers (pJ):
    /// e_tx + N·(e_rx + e_laser·10^(splitter_db·log2(N)/10)).
    double bus_energy_pj_per_bit(std::uint32_t readers) const;

private:
    TopologyKind kind_;
    std::uint32_t chips_;
    SimTime hop_latency_;
    SimTime bus_first_leg_;
    double bandwidth_bps_;
    double link_energy_pj_per_bit_;
    BcastSpec bcast_;
};

}  // namespace ltdes::cluster
