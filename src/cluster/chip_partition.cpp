// SPDX-License-Identifier: MIT
#include "ltdes/cluster/chip_partition.hpp"

#include "ltdes/core/assert.hpp"
#include "ltdes/core/error.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace ltdes::cluster {

namespace {

// Unit u of `units` in contiguous blocks over `ranks`; the first units % ranks ranks get one
// unit more.
std::int32_t block_of(std::uint64_t u, std::uint64_t units, std::uint64_t ranks) {
    const std::uint64_t base = units / ranks;
    const std::uint64_t extra = units % ranks;
    const std::uint64_t big = extra * (base + 1);
    return static_cast<std::int32_t>(u < big ? u / (base + 1) : extra + (u - big) / base);
}

}  // namespace

PartitionKind parse_partition(std::string_view text) {
    if (text == "locality") {
        return PartitionKind::locality;
    }
    if (text == "block") {
        return PartitionKind::block;
    }
    if (text == "round_robin") {
        return PartitionKind::round_robin;
    }
    throw UsageError(
        fmt::format("--partition must be 'locality', 'block' or 'round_robin' (got '{}')", text));
}

RankId LocalityPartitioner::rank_of(LpId lp, std::uint32_t lp_count, int ranks) const {
    const std::uint32_t id = to_underlying(lp);
    LTDES_ASSERT(ranks >= 1 && id < lp_count, "LP {} of {} on {} ranks", lp, lp_count, ranks);
    if (id >= plan_.chips()) {
        return RankId{0};  // the bus
    }
    const auto r = static_cast<std::uint64_t>(ranks);
    // Chip ids run replica-major, then stage, then tensor rank (Plan::chip).
    std::uint64_t per_unit = 1;
    if (r <= plan_.dp()) {
        per_unit = std::uint64_t{plan_.pp()} * plan_.tp();
    } else if (r <= std::uint64_t{plan_.dp()} * plan_.pp()) {
        per_unit = plan_.tp();
    }
    const std::uint64_t units = plan_.chips() / per_unit;
    return RankId{block_of(id / per_unit, units, r)};
}

std::unique_ptr<des::Partitioner> make_partitioner(PartitionKind kind, const Plan& plan) {
    switch (kind) {
        case PartitionKind::locality:
            return std::make_unique<LocalityPartitioner>(plan);
        case PartitionKind::block:
            return std::make_unique<des::BlockPartitioner>();
        case PartitionKind::round_robin:
            return std::make_unique<des::RoundRobinPartitioner>();
    }
    LTDES_ASSERT(false, "unknown partition kind");
    return nullptr;
}

void ChipDelayGraph::for_each_target(LpId src,
                                     const std::function<void(LpId, SimTime)>& visit) const {
    const std::uint32_t id = to_underlying(src);
    const std::uint32_t chips = plan_.chips();
    if (topology_.kind() == TopologyKind::bus) {
        const SimTime second =
            std::max(topology_.lookahead(), topology_.hop_latency() - topology_.bus_first_leg());
        if (id == chips) {
            for (std::uint32_t c = 0; c < chips; ++c) {
                visit(LpId{c}, second);
            }
        } else {
            visit(LpId{chips}, topology_.lookahead());
        }
        return;
    }
    // Ring all-reduce chunks go to the next tensor rank of the same stage; activations and
    // tokens go to the same tensor rank of other stages of the same replica (ChipModel).
    const ChipCoord me = plan_.coord(id);
    const auto send = [&](std::uint32_t dst) {
        const SimTime latency =
            SimTime::from_ps(topology_.hop_latency().in_ps() * topology_.hops(id, dst));
        visit(LpId{dst}, std::max(topology_.lookahead(), latency));
    };
    if (plan_.tp() > 1) {
        send(plan_.chip(ChipCoord{me.dp, me.pp, (me.tp + 1) % plan_.tp()}));
    }
    for (std::uint32_t stage = 0; stage < plan_.pp(); ++stage) {
        if (stage != me.pp) {
            send(plan_.chip(ChipCoord{me.dp, stage, me.tp}));
        }
    }
    // Expert parallelism: the all-to-all reaches every other lane of the expert group.
    for (std::uint32_t lane = 0; lane < plan_.ep(); ++lane) {
        if (lane != me.dp % plan_.ep()) {
            send(plan_.chip(ChipCoord{me.dp - me.dp % plan_.ep() + lane, me.pp, me.tp}));
        }
    }
}

}  // namespace ltdes::cluster
