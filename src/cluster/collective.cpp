// SPDX-License-Identifier: MIT
#include "ltdes/cluster/collective.hpp"

#include "ltdes/cluster/network_replay.hpp"
#include "ltdes/core/assert.hpp"

#include <algorithm>
#include <map>
#include <queue>
#include <tuple>

namespace ltdes::cluster {

std::uint64_t chunk_bytes(std::uint64_t bytes, std::uint32_t p, std::uint32_t i) {
    LTDES_ASSERT(p > 0 && i < p, "chunk {} of {}", i, p);
    return bytes / p + (i < bytes % p ? 1U : 0U);
}

std::vector<CollectiveMessage> ring_all_reduce_schedule(std::uint64_t bytes, std::uint32_t p) {
    std::vector<CollectiveMessage> out;
    if (p <= 1) {
        return out;
    }
    out.reserve(std::size_t{2} * (p - 1) * p);
    for (std::uint32_t s = 0; s < 2 * (p - 1); ++s) {
        for (std::uint32_t i = 0; i < p; ++i) {
            // Reduce-scatter: chunk (i - s) mod p travels forward and is summed on the way; the
            // all-gather then forwards the fully reduced chunk (i + 1 - s') mod p.
            const std::uint32_t chunk =
                s < p - 1 ? (i + p - s % p) % p : (i + 1 + p - (s - (p - 1)) % p) % p;
            out.push_back({s, i, (i + 1) % p, chunk, chunk_bytes(bytes, p, chunk), false});
        }
    }
    return out;
}

std::vector<CollectiveMessage> ring_all_reduce_schedule(std::uint64_t bytes,
                                                        std::uint32_t p,
                                                        std::uint32_t chunking) {
    LTDES_ASSERT(chunking >= 1, "chunking 0");
    const auto whole = ring_all_reduce_schedule(bytes, p);
    if (chunking == 1) {
        return whole;
    }
    std::vector<CollectiveMessage> out;
    out.reserve(whole.size() * chunking);
    for (std::uint32_t lane = 0; lane < chunking; ++lane) {
        for (CollectiveMessage m : whole) {
            m.bytes = chunk_bytes(m.bytes, chunking, lane);
            m.lane = lane;
            out.push_back(m);
        }
    }
    return out;
}

namespace {

/// Step `step`: member i sends member (i + r) mod p, slot r = 1..p−1, the bytes `size(j)`.
template <typename Size>
void rotated_unicasts(std::vector<CollectiveMessage>& out,
                      std::uint32_t p,
                      std::uint32_t step,
                      Size size,
                      bool chunk_is_src) {
    for (std::uint32_t r = 1; r < p; ++r) {
        for (std::uint32_t i = 0; i < p; ++i) {
            const std::uint32_t j = (i + r) % p;
            const std::uint32_t chunk = chunk_is_src ? i : j;
            out.push_back({step, i, j, chunk, size(chunk), false, 0});
        }
    }
}

}  // namespace

std::vector<CollectiveMessage> direct_all_reduce_schedule(std::uint64_t bytes,
                                                          std::uint32_t p,
                                                          bool broadcast) {
    // The direct reduce-scatter (step 0), then the direct all-gather one step later.
    std::vector<CollectiveMessage> out = direct_reduce_scatter_schedule(bytes, p);
    for (CollectiveMessage m : direct_all_gather_schedule(bytes, p, broadcast)) {
        m.step += 1;
        out.push_back(m);
    }
    return out;
}

std::vector<CollectiveMessage> bus_all_reduce_schedule(std::uint64_t bytes, std::uint32_t p) {
    return direct_all_reduce_schedule(bytes, p, true);
}

std::vector<CollectiveMessage> halving_doubling_all_reduce_schedule(std::uint64_t bytes,
                                                                    std::uint32_t p) {
    LTDES_ASSERT(p > 0 && (p & (p - 1)) == 0, "halving-doubling over {} members", p);
    std::vector<CollectiveMessage> out;
    std::uint32_t levels = 0;
    while ((1U << levels) < p) {
        ++levels;
    }
    // Member i's range of chunks [lo, lo + width) after each halving step.
    std::vector<std::uint32_t> lo(p, 0);
    std::uint32_t width = p;
    const auto range_bytes = [&](std::uint32_t first, std::uint32_t n) {
        std::uint64_t b = 0;
        for (std::uint32_t c = first; c < first + n; ++c) {
            b += chunk_bytes(bytes, p, c);
        }
        return b;
    };
    for (std::uint32_t k = 0; k < levels; ++k) {
        const std::uint32_t d = p >> (k + 1);
        width /= 2;
        std::vector<std::uint32_t> next = lo;
        for (std::uint32_t i = 0; i < p; ++i) {
            const bool upper = (i & d) != 0;
            const std::uint32_t send_lo = upper ? lo[i] : lo[i] + width;
            next[i] = upper ? lo[i] + width : lo[i];
            out.push_back({k, i, i ^ d, send_lo, range_bytes(send_lo, width), false, 0});
        }
        lo = next;
    }
    for (std::uint32_t k = 0; k < levels; ++k) {
        const std::uint32_t d = 1U << k;
        std::vector<std::uint32_t> next = lo;
        for (std::uint32_t i = 0; i < p; ++i) {
            out.push_back({levels + k, i, i ^ d, lo[i], range_bytes(lo[i], width), false, 0});
            next[i] = std::min(lo[i], lo[i ^ d]);
        }
        lo = next;
        width *= 2;
    }
    return out;
}

std::vector<CollectiveMessage> ring_all_gather_schedule(std::uint64_t bytes, std::uint32_t p) {
    std::vector<CollectiveMessage> out;
    for (std::uint32_t s = 0; p > 1 && s < p - 1; ++s) {
        for (std::uint32_t i = 0; i < p; ++i) {
            const std::uint32_t chunk = (i + p - s) % p;
            out.push_back({s, i, (i + 1) % p, chunk, chunk_bytes(bytes, p, chunk), false, 0});
        }
    }
    return out;
}

std::vector<CollectiveMessage> direct_all_gather_schedule(std::uint64_t bytes,
                                                          std::uint32_t p,
                                                          bool broadcast) {
    std::vector<CollectiveMessage> out;
    if (p <= 1) {
        return out;
    }
    const auto size = [&](std::uint32_t c) { return chunk_bytes(bytes, p, c); };
    if (broadcast) {
        for (std::uint32_t i = 0; i < p; ++i) {
            out.push_back({0, i, i, i, size(i), true, 0});
        }
    } else {
        rotated_unicasts(out, p, 0, size, true);
    }
    return out;
}

std::vector<CollectiveMessage> ring_reduce_scatter_schedule(std::uint64_t bytes, std::uint32_t p) {
    // The same messages as the ring all-gather: only what the receiver does with a chunk (add
    // it, or keep it) differs, and that is not part of the schedule.
    return ring_all_gather_schedule(bytes, p);
}

std::vector<CollectiveMessage> direct_reduce_scatter_schedule(std::uint64_t bytes,
                                                              std::uint32_t p) {
    std::vector<CollectiveMessage> out;
    if (p > 1) {
        rotated_unicasts(
            out, p, 0, [&](std::uint32_t c) { return chunk_bytes(bytes, p, c); }, false);
    }
    return out;
}

std::vector<CollectiveMessage> broadcast_schedule(std::uint64_t bytes,
                                                  std::uint32_t p,
                                                  bool broadcast,
                                                  std::uint32_t chunking) {
    std::vector<CollectiveMessage> out;
    if (p <= 1) {
        return out;
    }
    if (broadcast) {
        out.push_back({0, 0, 0, 0, bytes, true, 0});
        return out;
    }
    for (std::uint32_t lane = 0; lane < chunking; ++lane) {
        for (std::uint32_t s = 0; s + 1 < p; ++s) {
            out.push_back({s, s, s + 1, lane, chunk_bytes(bytes, chunking, lane), false, lane});
        }
    }
    return out;
}

std::vector<CollectiveMessage> all_to_all_schedule(std::uint64_t bytes, std::uint32_t p) {
    return direct_reduce_scatter_schedule(bytes, p);
}

CollectiveAlgorithm resolve_algorithm(const Topology& topo, const CollectiveSpec& spec) {
    if (spec.algorithm != CollectiveAlgorithm::automatic) {
        return spec.algorithm;
    }
    return topo.has_bus() ? CollectiveAlgorithm::direct : CollectiveAlgorithm::ring;
}

std::vector<CollectiveMessage> all_reduce_schedule(const Topology& topo,
                                                   std::uint64_t bytes,
                                                   std::uint32_t p) {
    return all_reduce_schedule(topo, CollectiveSpec{}, bytes, p);
}

std::vector<CollectiveMessage> all_reduce_schedule(const Topology& topo,
                                                   const CollectiveSpec& spec,
                                                   std::uint64_t bytes,
                                                   std::uint32_t p) {
    switch (resolve_algorithm(topo, spec)) {
        case CollectiveAlgorithm::halving_doubling:
            return p <= 1 ? std::vector<CollectiveMessage>{}
                          : halving_doubling_all_reduce_schedule(bytes, p);
        case CollectiveAlgorithm::direct:
            return direct_all_reduce_schedule(bytes, p, topo.has_bus());
        default:
            return ring_all_reduce_schedule(bytes, p, spec.chunking);
    }
}

CollectiveCost schedule_cost(const Topology& topo,
                             std::span<const std::uint32_t> group,
                             std::span<const CollectiveMessage> schedule) {
    CollectiveCost c;
    const auto p = static_cast<std::uint32_t>(group.size());

    // Per (step, sender): serialization summed, the largest hop latency once.
    struct SenderLoad {
        std::int64_t serialization_ps = 0;
        std::int64_t latency_ps = 0;
    };

    std::map<std::pair<std::uint32_t, std::uint32_t>, SenderLoad> load;
    for (const auto& msg : schedule) {
        LTDES_ASSERT(msg.src < p && msg.dst < p, "message {} -> {} in a group of {}", msg.src,
                     msg.dst, p);
        const std::uint32_t src = group[msg.src];
        auto& l = load[{msg.step, msg.src}];
        c.bytes_sent += msg.bytes;
        const double bits = static_cast<double>(msg.bytes) * 8.0;
        const std::uint32_t dst = group[msg.all_readers ? (msg.src == 0 ? 1 : 0) : msg.dst];
        if (topo.on_bus(src, dst)) {
            l.serialization_ps += topo.bus_serialization(msg.bytes).in_ps();
            l.latency_ps = std::max(l.latency_ps, topo.bus_latency().in_ps());
            c.energy_pj += bits * topo.bus_energy_pj_per_bit(msg.all_readers ? p - 1 : 1);
        } else {
            l.serialization_ps += topo.serialization(msg.bytes).in_ps();
            l.latency_ps = std::max<std::int64_t>(l.latency_ps,
                                                  topo.hop_latency().in_ps() * topo.hops(src, dst));
            c.energy_pj += topo.transfer_energy_pj(src, dst, msg.bytes);
        }
        c.steps = std::max(c.steps, msg.step + 1);
    }
    std::vector<std::int64_t> step_ps(c.steps, 0);
    for (const auto& [key, l] : load) {
        step_ps[key.first] = std::max(step_ps[key.first], l.latency_ps + l.serialization_ps);
    }
    for (const std::int64_t ps : step_ps) {
        c.time += SimTime::from_ps(ps);
    }
    return c;
}

CollectiveCost all_reduce_cost(const Topology& topo,
                               std::span<const std::uint32_t> group,
                               std::uint64_t bytes) {
    const auto schedule =
        all_reduce_schedule(topo, bytes, static_cast<std::uint32_t>(group.size()));
    return schedule_cost(topo, group, schedule);
}

CollectiveCost replay_collective(const Topology& topo,
                                 std::span<const std::uint32_t> group,
                                 std::span<const CollectiveMessage> schedule) {
    CollectiveCost c;
    if (schedule.empty()) {
        return c;
    }
    NetworkReplay replay(topo);
    const std::vector<SimTime> zero(group.size());
    for (const SimTime done : replay.collective(group, schedule, zero)) {
        c.time = std::max(c.time, done);
    }
    c.energy_pj = replay.energy_pj();
    c.bytes_sent = replay.bytes_sent();
    c.steps = replay.steps();
    return c;
}

namespace {

// The closed forms are for a group whose members are one route hop apart: on a bus when the
// topology has one (its members share it), else on the links.
std::int64_t ser_ps(const Topology& t, std::uint64_t bytes) {
    return (t.has_bus() ? t.bus_serialization(bytes) : t.serialization(bytes)).in_ps();
}

std::int64_t alpha_ps(const Topology& t) {
    return (t.has_bus() ? t.bus_latency() : t.hop_latency()).in_ps();
}

}  // namespace

SimTime ring_all_reduce_time(const Topology& topo,
                             std::uint64_t bytes,
                             std::uint32_t p,
                             std::uint32_t chunking) {
    if (p <= 1) {
        return SimTime::zero();
    }
    const std::int64_t a = alpha_ps(topo);
    const std::int64_t s = ser_ps(topo, bytes / p / chunking);
    const std::int64_t k = chunking;
    const std::int64_t steps = 2 * (std::int64_t{p} - 1);
    return SimTime::from_ps(std::max(steps * (a + s) + (k - 1) * s, steps * k * s + a));
}

SimTime direct_all_reduce_time(const Topology& topo, std::uint64_t bytes, std::uint32_t p) {
    if (p <= 1) {
        return SimTime::zero();
    }
    const std::int64_t a = alpha_ps(topo);
    const std::int64_t s = ser_ps(topo, bytes / p);
    if (topo.has_bus()) {
        return SimTime::from_ps(2 * a + std::int64_t{p} * s);
    }
    return SimTime::from_ps(2 * (a + (std::int64_t{p} - 1) * s));
}

SimTime halving_doubling_all_reduce_time(const Topology& topo,
                                         std::uint64_t bytes,
                                         std::uint32_t p) {
    std::int64_t t = 0;
    for (std::uint64_t d = 2; d <= p; d *= 2) {
        t += 2 * (alpha_ps(topo) + ser_ps(topo, bytes / d));
    }
    return SimTime::from_ps(t);
}

SimTime ring_gather_time(const Topology& topo, std::uint64_t bytes, std::uint32_t p) {
    if (p <= 1) {
        return SimTime::zero();
    }
    return SimTime::from_ps((std::int64_t{p} - 1) * (alpha_ps(topo) + ser_ps(topo, bytes / p)));
}

SimTime direct_gather_time(const Topology& topo,
                           std::uint64_t bytes,
                           std::uint32_t p,
                           bool broadcast) {
    if (p <= 1) {
        return SimTime::zero();
    }
    const std::int64_t pieces = broadcast ? 1 : std::int64_t{p} - 1;
    return SimTime::from_ps(alpha_ps(topo) + pieces * ser_ps(topo, bytes / p));
}

SimTime broadcast_time(const Topology& topo,
                       std::uint64_t bytes,
                       std::uint32_t p,
                       bool broadcast,
                       std::uint32_t chunking) {
    if (p <= 1) {
        return SimTime::zero();
    }
    const std::int64_t a = alpha_ps(topo);
    if (broadcast) {
        return SimTime::from_ps(a + ser_ps(topo, bytes));
    }
    const std::int64_t s = ser_ps(topo, bytes / chunking);
    return SimTime::from_ps((std::int64_t{p} - 1) * (a + s) + (std::int64_t{chunking} - 1) * s);
}

CollectiveCost p2p_cost(const Topology& topo,
                        std::uint32_t src_chip,
                        std::uint32_t dst_chip,
                        std::uint64_t bytes) {
    CollectiveCost c;
    if (src_chip == dst_chip) {
        return c;
    }
    c.steps = 1;
    c.time = topo.transfer_time(src_chip, dst_chip, bytes);
    c.energy_pj = topo.transfer_energy_pj(src_chip, dst_chip, bytes);
    c.bytes_sent = bytes;
    return c;
}

}  // namespace ltdes::cluster
