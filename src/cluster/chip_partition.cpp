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
    LTDES_ASSERT(ranks >= 1 && id < lp_count && id < plan_.chips(), "LP {} of {} on {} ranks", lp,
                 lp_count, ranks);
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

ChipDelayGraph::ChipDelayGraph(const Plan& plan, const Topology& topology)
    : plan_(plan), topology_(topology) {
    const std::uint32_t chips = plan.chips();
    next_.resize(chips);
    const auto walk = [&](std::uint32_t src, std::uint32_t dst) {
        if (topology.on_bus(src, dst)) {
            next_[src].push_back(dst);  // straight to the reader
            return;
        }
        for (std::uint32_t at = src; at != dst;) {
            const std::uint32_t to = topology.next_hop(at, dst);
            next_[at].push_back(to);
            at = to;
        }
    };
    for (std::uint32_t c = 0; c < chips; ++c) {
        const ChipCoord me = plan.coord(c);
        for (std::uint32_t t = 0; t < plan.tp(); ++t) {
            if (t != me.tp) {
                walk(c, plan.chip(ChipCoord{me.dp, me.pp, t}));
            }
        }
        for (std::uint32_t stage = 0; stage < plan.pp(); ++stage) {
            if (stage != me.pp) {
                walk(c, plan.chip(ChipCoord{me.dp, stage, me.tp}));
            }
        }
        // Expert parallelism: the all-to-all reaches every other lane of the expert group.
        for (std::uint32_t lane = 0; lane < plan.ep(); ++lane) {
            if (lane != me.dp % plan.ep()) {
                walk(c, plan.chip(ChipCoord{me.dp - me.dp % plan.ep() + lane, me.pp, me.tp}));
            }
        }
    }
    for (auto& v : next_) {
        std::sort(v.begin(), v.end());
        v.erase(std::unique(v.begin(), v.end()), v.end());
    }
}

void ChipDelayGraph::for_each_target(LpId src,
                                     const std::function<void(LpId, SimTime)>& visit) const {
    const std::uint32_t id = to_underlying(src);
    // Every hop, the last one included, is at least one hop (link or bus) after the send; a bus
    // delivers straight to its readers, who are the sender's tensor group.
    for (const std::uint32_t to : next_[id]) {
        visit(LpId{to}, topology_.lookahead());
    }
}

}  // namespace ltdes::cluster
