// SPDX-License-Identifier: MIT
// Collective schedules and their unloaded costs, as pure functions (the chip LPs replay the
// same schedules as link transfers, where links can also be busy).
#pragma once

#include "ltdes/cluster/topology.hpp"
#include "ltdes/core/sim_time.hpp"

#include <cstdint>
#include <span>
#include <vector>

namespace ltdes::cluster {

/// One message of a collective: in step `step`, group member `src` sends `bytes` (chunk
/// `chunk`) to member(s) `dst` (all_readers: every other member, a bus broadcast).
struct CollectiveMessage {
    std::uint32_t step = 0;
    std::uint32_t src = 0;  ///< index in the group
    std::uint32_t dst = 0;  ///< index in the group (ignored when all_readers)
    std::uint32_t chunk = 0;
    std::uint64_t bytes = 0;
    bool all_readers = false;
};

/// Unloaded cost of a collective: steps run one after another, each lasting its slowest
/// message; energy and bytes over every message.
struct CollectiveCost {
    std::uint32_t steps = 0;
    SimTime time;
    double energy_pj = 0.0;
    std::uint64_t bytes_sent = 0;  ///< bytes put on links by all senders (a broadcast counts once)
};

/// Bytes of chunk `i` when `bytes` are split over `p` chunks as evenly as possible.
std::uint64_t chunk_bytes(std::uint64_t bytes, std::uint32_t p, std::uint32_t i);

/// Ring all-reduce of `bytes` per member over `p` members: reduce-scatter then all-gather,
/// 2(p−1) steps; in step s < p−1 member i sends chunk (i − s) mod p to member i+1, in step
/// p−1+s it sends chunk (i + 1 − s) mod p. Empty for p = 1.
std::vector<CollectiveMessage> ring_all_reduce_schedule(std::uint64_t bytes, std::uint32_t p);

/// Bus all-reduce ("direct"): step 0, every member sends each other member its chunk
/// (p−1 unicasts on its own channel); step 1, every member broadcasts its reduced chunk to all
/// p−1 others once. Empty for p = 1.
std::vector<CollectiveMessage> bus_all_reduce_schedule(std::uint64_t bytes, std::uint32_t p);

/// The all-reduce schedule the topology uses: bus → direct, otherwise ring.
std::vector<CollectiveMessage> all_reduce_schedule(const Topology& topo,
                                                   std::uint64_t bytes,
                                                   std::uint32_t p);

/// Unloaded cost of `schedule` among the chips `group` (group[i] is member i). A step lasts
/// its slowest sender; a sender's messages in one step go one after another on its link
/// (latency once, serialization summed).
CollectiveCost schedule_cost(const Topology& topo,
                             std::span<const std::uint32_t> group,
                             std::span<const CollectiveMessage> schedule);

/// Unloaded cost of an all-reduce of `bytes` per member among `group`.
CollectiveCost all_reduce_cost(const Topology& topo,
                               std::span<const std::uint32_t> group,
                               std::uint64_t bytes);

/// Unloaded cost of a pipeline (point-to-point) transfer.
CollectiveCost p2p_cost(const Topology& topo,
                        std::uint32_t src_chip,
                        std::uint32_t dst_chip,
                        std::uint64_t bytes);

}  // namespace ltdes::cluster
