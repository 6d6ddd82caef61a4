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

/// One message of a collective: in step `step` of lane `lane`, group member `src` sends
/// `bytes` (chunk `chunk`) to member(s) `dst` (all_readers: every other member, one bus
/// broadcast). A member sends its messages of (lane, step) once it holds its data and has
/// received every message addressed to it in the earlier steps of the same lane; lanes are the
/// pieces of a pipelined (chunked) collective and do not wait for each other.
struct CollectiveMessage {
    std::uint32_t step = 0;
    std::uint32_t src = 0;  ///< index in the group
    std::uint32_t dst = 0;  ///< index in the group (ignored when all_readers)
    std::uint32_t chunk = 0;
    std::uint64_t bytes = 0;
    bool all_readers = false;
    std::uint32_t lane = 0;
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

/// Ring all-reduce with every message cut into `chunking` pieces, piece j in lane j (the
/// lanes pipeline through the ring). chunking = 1 is ring_all_reduce_schedule.
std::vector<CollectiveMessage> ring_all_reduce_schedule(std::uint64_t bytes,
                                                        std::uint32_t p,
                                                        std::uint32_t chunking);

/// Bus all-reduce ("direct"): step 0, every member sends each other member its chunk
/// (p−1 unicasts on its own channel); step 1, every member broadcasts its reduced chunk to all
/// p−1 others once. Empty for p = 1.
std::vector<CollectiveMessage> bus_all_reduce_schedule(std::uint64_t bytes, std::uint32_t p);

/// Direct all-reduce: a direct reduce-scatter (member i sends member (i+r) mod p its chunk in
/// slot r = 1..p−1, so each slot gives every receiver one message) then a direct all-gather of
/// the reduced chunks, as p−1 unicasts in the same rotation or (broadcast) one bus broadcast.
std::vector<CollectiveMessage> direct_all_reduce_schedule(std::uint64_t bytes,
                                                          std::uint32_t p,
                                                          bool broadcast);

/// Halving-doubling (Rabenseifner) all-reduce, p a power of two: log2 p steps of recursive
/// halving (in step k member i swaps half of what it still reduces with i xor p/2^(k+1)), then
/// log2 p steps of recursive doubling back. Each member sends 2(p−1)/p of the data in all.
std::vector<CollectiveMessage> halving_doubling_all_reduce_schedule(std::uint64_t bytes,
                                                                    std::uint32_t p);

/// Ring all-gather of `bytes` in all (each member starts with chunk i): p−1 steps, member i
/// forwards chunk (i − s) mod p to member i+1.
std::vector<CollectiveMessage> ring_all_gather_schedule(std::uint64_t bytes, std::uint32_t p);

/// Direct all-gather: each member sends its chunk to every other member (rotated unicasts), or
/// broadcasts it once on the bus.
std::vector<CollectiveMessage> direct_all_gather_schedule(std::uint64_t bytes,
                                                          std::uint32_t p,
                                                          bool broadcast);

/// Ring reduce-scatter of `bytes` per member: p−1 steps, member i sends chunk (i − s) mod p to
/// member i+1; member i ends holding chunk (i + 1) mod p reduced.
std::vector<CollectiveMessage> ring_reduce_scatter_schedule(std::uint64_t bytes, std::uint32_t p);

/// Direct reduce-scatter: member i sends member j its chunk j (rotated unicasts); one step.
std::vector<CollectiveMessage> direct_reduce_scatter_schedule(std::uint64_t bytes, std::uint32_t p);

/// Broadcast of `bytes` from member 0. broadcast = true: one bus transmission. Otherwise a
/// pipelined chain 0 → 1 → … → p−1 with the data cut into `chunking` lanes.
std::vector<CollectiveMessage> broadcast_schedule(std::uint64_t bytes,
                                                  std::uint32_t p,
                                                  bool broadcast,
                                                  std::uint32_t chunking);

/// All-to-all: every member sends `bytes`/p (chunk j) to every other member j, rotated so each
/// slot gives every receiver one message; one step.
std::vector<CollectiveMessage> all_to_all_schedule(std::uint64_t bytes, std::uint32_t p);

/// The algorithm `spec` selects on `topo`: automatic → direct on the bus, ring elsewhere.
CollectiveAlgorithm resolve_algorithm(const Topology& topo, const CollectiveSpec& spec);

/// The all-reduce schedule the topology uses: bus → direct, otherwise ring.
std::vector<CollectiveMessage> all_reduce_schedule(const Topology& topo,
                                                   std::uint64_t bytes,
                                                   std::uint32_t p);

/// The all-reduce schedule of `spec` on `topo` (what the chip LPs replay). halving_doubling
/// needs a power-of-two p (Plan checks it).
std::vector<CollectiveMessage> all_reduce_schedule(const Topology& topo,
                                                   const CollectiveSpec& spec,
                                                   std::uint64_t bytes,
                                                   std::uint32_t p);

/// Time and energy of `schedule` among `group` when every member starts at 0 on an otherwise
/// idle network, with the chip LPs' rules (ChipNetwork: per-link FIFO, hop-by-hop cut-through
/// routes, receive ports; the dependency rule of CollectiveMessage). time = the last receipt.
CollectiveCost replay_collective(const Topology& topo,
                                 std::span<const std::uint32_t> group,
                                 std::span<const CollectiveMessage> schedule);

// Closed forms on an idle network where every message crosses one route hop (fully connected,
// switch, bus; a ring or torus group whose members are neighbours): α = hop latency,
// σ(b) = serialization of b bytes. Sizes divisible by the piece counts make them exact
// (serialization rounds per message). docs/cluster.md derives each one.

/// Ring all-reduce, k = chunking, σ = σ(S/(p·k)):
/// max(2(p−1)(α+σ) + (k−1)σ, 2(p−1)kσ + α).
SimTime ring_all_reduce_time(const Topology& topo,
                             std::uint64_t bytes,
                             std::uint32_t p,
                             std::uint32_t chunking);

/// Direct all-reduce, σ = σ(S/p): point-to-point 2(α + (p−1)σ) (the receive port or the
/// sender's link takes p−1 pieces per step); bus 2α + pσ (p−1 unicasts, one broadcast).
SimTime direct_all_reduce_time(const Topology& topo, std::uint64_t bytes, std::uint32_t p);

/// Halving-doubling all-reduce: 2·Σ_{k=1..log2 p} (α + σ(S/2^k)).
SimTime halving_doubling_all_reduce_time(const Topology& topo,
                                         std::uint64_t bytes,
                                         std::uint32_t p);

/// Ring all-gather or reduce-scatter: (p−1)(α + σ(S/p)).
SimTime ring_gather_time(const Topology& topo, std::uint64_t bytes, std::uint32_t p);

/// Direct all-gather: bus α + σ(S/p) (each member broadcasts once, on its own channel);
/// point-to-point α + (p−1)σ(S/p). Direct reduce-scatter and all-to-all: α + (p−1)σ(S/p)
/// everywhere.
SimTime direct_gather_time(const Topology& topo,
                           std::uint64_t bytes,
                           std::uint32_t p,
                           bool broadcast);

/// Broadcast from one member: bus α + σ(S); chain with k lanes, σ = σ(S/k):
/// (p−1)(α+σ) + (k−1)σ (each chain link carries only its own lane pieces).
SimTime broadcast_time(const Topology& topo,
                       std::uint64_t bytes,
                       std::uint32_t p,
                       bool broadcast,
                       std::uint32_t chunking);

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
