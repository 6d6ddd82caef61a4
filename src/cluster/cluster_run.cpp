// SPDX-License-Identifier: MIT
#include "ltdes/cluster/cluster_run.hpp"

#include "ltdes/cluster/chip_lp.hpp"
#include "ltdes/cluster/chip_partition.hpp"
#include "ltdes/cluster/topology.hpp"
#include "ltdes/core/assert.hpp"

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <tuple>
#include <type_traits>

namespace ltdes::cluster {

namespace {

static_assert(std::is_trivially_copyable_v<ChipTotals>);

/// One rank's chips as bytes: (chip id, totals) pairs.
std::string pack(const std::vector<std::pair<std::uint32_t, ChipTotals>>& chips) {
    std::string s(chips.size() * (sizeof(std::uint32_t) + sizeof(ChipTotals)), '\0');
    char* p = s.data();
    for (const auto& [id, t] : chips) {
        std::memcpy(p, &id, sizeof id);
        p += sizeof id;
        std::memcpy(p, &t, sizeof t);
        p += sizeof t;
    }
    return s;
}

void unpack(const std::string& s, std::vector<ChipTotals>& all, std::vector<bool>& seen) {
    constexpr std::size_t kRecord = sizeof(std::uint32_t) + sizeof(ChipTotals);
    LTDES_ASSERT(s.size() % kRecord == 0, "chip totals of {} bytes", s.size());
    for (std::size_t off = 0; off < s.size(); off += kRecord) {
        std::uint32_t id = 0;
        std::memcpy(&id, s.data() + off, sizeof id);
        LTDES_ASSERT(id < all.size() && !seen[id], "chip {} gathered twice or out of range", id);
        std::memcpy(&all[id], s.data() + off + sizeof id, sizeof(ChipTotals));
        seen[id] = true;
    }
}

static_assert(std::is_trivially_copyable_v<LinkUse>);

std::string pack_links(const std::vector<LinkUse>& links) {
    std::string s(links.size() * sizeof(LinkUse), '\0');
    if (!links.empty()) {
        std::memcpy(s.data(), links.data(), s.size());
    }
    return s;
}

std::vector<LinkUse> unpack_links(const std::string& s) {
    LTDES_ASSERT(s.size() % sizeof(LinkUse) == 0, "link uses of {} bytes", s.size());
    std::vector<LinkUse> links(s.size() / sizeof(LinkUse));
    if (!links.empty()) {
        std::memcpy(links.data(), s.data(), s.size());
    }
    std::sort(links.begin(), links.end(), [](const LinkUse& a, const LinkUse& b) {
        return std::tie(a.from, a.to) < std::tie(b.from, b.to);
    });
    return links;
}

}  // namespace

ClusterRunResult run_cluster(const ClusterRunInputs& in,
                             des::Transport& transport,
                             const des::Partitioner& partitioner) {
    LTDES_ASSERT(in.plan != nullptr && in.programs != nullptr, "run_cluster without a plan");
    const Plan& plan = *in.plan;
    const Topology topology(in.spec, plan.chips(), plan.tp());
    const std::uint32_t lp_count = plan.chips();

    des::SimulationSpec sim_spec;
    // One LP sends only to itself: one window covers the whole run (docs/architecture.md).
    sim_spec.lookahead =
        lp_count == 1 ? SimTime::from_ps(std::int64_t{1} << 60) : topology.lookahead();
    sim_spec.threads = in.threads;
    if (in.threads == 1) {
        // One queue per rank: local windows may then span many hops (DES kernel docs).
        sim_spec.lps_per_shard = lp_count;
        sim_spec.single_shard_window_lookaheads = 32;
    }
    const ChipDelayGraph graph(plan, topology);
    des::Simulation sim(
        sim_spec, transport, partitioner, lp_count,
        [&](LpId lp) -> std::unique_ptr<des::LogicalProcess> {
            const auto id = to_underlying(lp);
            const std::uint32_t stage = plan.coord(id).pp;
            ChipModel model(id, plan, (*in.programs)[stage], topology, in.spec, in.bits,
                            in.cost_of_chip(id), in.keep_records);
            model.set_keep_layers(in.keep_layers);
            if (in.sram_bytes_of_chip) {
                model.set_sram_capacity(in.sram_bytes_of_chip(id));
            }
            return std::make_unique<ChipLp>(std::move(model));
        },
        &graph);
    const auto drain = [&] {
        sim.for_each_local_lp([&](LpId lp, des::LogicalProcess& p) {
            if (to_underlying(lp) < plan.chips()) {
                auto records = static_cast<ChipLp&>(p).model().take_records();
                if (!records.empty()) {
                    in.record_sink(std::move(records));
                }
            }
        });
    };
    if (in.keep_records && in.record_sink) {
        // Drained after every window inside the kernel's error agreement: a sink that throws
        // (a spill file that cannot be written) stops every rank with its error. What is left
        // after the last window is returned in local_records.
        sim.set_window_end(drain);
    }
    sim.apply_controls(in.progress, in.checkpoint, in.restart);
    ClusterRunResult r;
    r.stats = sim.run();

    // The makespan is the latest end over every chip of every rank (gathered as integers).
    std::uint64_t local_end = 0;
    sim.for_each_local_lp([&](LpId lp, des::LogicalProcess& p) {
        if (to_underlying(lp) < plan.chips()) {
            const auto& chip = static_cast<ChipLp&>(p);
            local_end = std::max(
                local_end, static_cast<std::uint64_t>(chip.model().totals().last_end.in_ps()));
        }
    });
    std::uint64_t makespan_ps = 0;
    for (const std::uint64_t e : transport.all_gather(local_end)) {
        makespan_ps = std::max(makespan_ps, e);
    }
    const SimTime makespan = SimTime::from_ps(static_cast<std::int64_t>(makespan_ps));

    std::vector<std::pair<std::uint32_t, ChipTotals>> mine;
    std::vector<LinkUse> my_links;
    sim.for_each_local_lp([&](LpId lp, des::LogicalProcess& p) {
        const auto id = to_underlying(lp);
        if (id >= plan.chips()) {
            return;
        }
        auto& chip = static_cast<ChipLp&>(p);
        chip.model().finish(makespan, in.laser_power_mw ? in.laser_power_mw(id) : 0.0);
        mine.emplace_back(id, chip.model().totals());
        const auto links = chip.model().links();
        my_links.insert(my_links.end(), links.begin(), links.end());
        const auto& recs = chip.model().records();
        r.local_records.insert(r.local_records.end(), recs.begin(), recs.end());
        const auto partials = chip.model().layer_partials();
        r.local_layers.insert(r.local_layers.end(), partials.begin(), partials.end());
    });
    r.chips.assign(plan.chips(), ChipTotals{});
    std::vector<bool> seen(plan.chips(), false);
    unpack(transport.all_gather_bytes(pack(mine)), r.chips, seen);
    r.links = unpack_links(transport.all_gather_bytes(pack_links(my_links)));
    for (std::uint32_t c = 0; c < plan.chips(); ++c) {
        LTDES_ASSERT(seen[c], "chip {} reported by no rank", c);
        check_chip_invariants(c, r.chips[c]);
        r.totals.add(r.chips[c]);
    }
    return r;
}

}  // namespace ltdes::cluster
