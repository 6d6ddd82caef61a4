// SPDX-License-Identifier: MIT
#include "ltdes/cluster/collective.hpp"

#include "ltdes/core/assert.hpp"

#include <algorithm>
#include <map>

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

std::vector<CollectiveMessage> bus_all_reduce_schedule(std::uint64_t bytes, std::uint32_t p) {
    std::vector<CollectiveMessage> out;
    if (p <= 1) {
        return out;
    }
    for (std::uint32_t i = 0; i < p; ++i) {
        for (std::uint32_t j = 0; j < p; ++j) {
            if (j != i) {
                out.push_back({0, i, j, j, chunk_bytes(bytes, p, j), false});
            }
        }
    }
    for (std::uint32_t i = 0; i < p; ++i) {
        out.push_back({1, i, i, i, chunk_bytes(bytes, p, i), true});
    }
    return out;
}

std::vector<CollectiveMessage> all_reduce_schedule(const Topology& topo,
                                                   std::uint64_t bytes,
                                                   std::uint32_t p) {
    return topo.kind() == TopologyKind::bus ? bus_all_reduce_schedule(bytes, p)
                                            : ring_all_reduce_schedule(bytes, p);
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
        l.serialization_ps += topo.serialization(msg.bytes).in_ps();
        c.bytes_sent += msg.bytes;
        const double bits = static_cast<double>(msg.bytes) * 8.0;
        if (msg.all_readers) {
            l.latency_ps = std::max(l.latency_ps, topo.hop_latency().in_ps());
            c.energy_pj += bits * topo.bus_energy_pj_per_bit(p - 1);
        } else {
            const std::uint32_t dst = group[msg.dst];
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
