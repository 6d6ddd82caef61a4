// SPDX-License-Identifier: MIT
#include "ltdes/cluster/cluster_spec.hpp"

#include "ltdes/core/error.hpp"

#include <fmt/format.h>

#include <cmath>
#include <set>

namespace ltdes::cluster {

namespace {

/// Upper bound on chips: far above the 1024-chip GPT-3 study, low enough that ids stay small.
constexpr std::uint64_t kMaxChips = 1U << 20;

[[noreturn]] void fail(std::string_view where, std::string_view key, std::string_view what) {
    throw ConfigError(fmt::format("{}: {}: {}", where, key, what));
}

void require_positive(std::string_view where, std::string_view key, double v) {
    if (!std::isfinite(v) || v <= 0.0) {
        fail(where, key, fmt::format("must be a finite number > 0 (got {})", v));
    }
}

void require_non_negative(std::string_view where, std::string_view key, double v) {
    if (!std::isfinite(v) || v < 0.0) {
        fail(where, key, fmt::format("must be a finite number >= 0 (got {})", v));
    }
}

}  // namespace

std::string_view topology_name(TopologyKind t) {
    return kTopologyNames.at(static_cast<std::size_t>(t));
}

void ClusterSpec::validate(std::string_view where) const {
    scheduler.validate(where);
    if (chips == 0 || chips > kMaxChips) {
        fail(where, "chips", fmt::format("must be between 1 and {} (got {})", kMaxChips, chips));
    }
    if (!plan.automatic) {
        if (plan.tp == 0) {
            fail(where, "plan.tp", "must be >= 1");
        }
        if (plan.pp == 0) {
            fail(where, "plan.pp", "must be >= 1");
        }
        if (plan.dp == 0) {
            fail(where, "plan.dp", "must be >= 1");
        }
        if (plan.ep == 0 || plan.dp % plan.ep != 0) {
            fail(where, "plan.ep",
                 fmt::format("must be >= 1 and divide plan.dp = {} (got {})", plan.dp, plan.ep));
        }
        const std::uint64_t product = std::uint64_t{plan.tp} * plan.pp * plan.dp;
        if (product != chips) {
            fail(where, "chips",
                 fmt::format("must equal plan.tp·plan.pp·plan.dp = {}·{}·{} = {} (got {})", plan.tp,
                             plan.pp, plan.dp, product, chips));
        }
        if (topology == TopologyKind::bus && plan.tp > 1 && plan.tp - 1 > bcast.max_readers) {
            fail(where, "plan.tp",
                 fmt::format("a bus all-gather reaches tp-1 = {} readers, more than "
                             "bcast.max_readers = {}",
                             plan.tp - 1, bcast.max_readers));
        }
    }
    std::set<std::uint32_t> seen;
    for (std::size_t i = 0; i < chip_arch.size(); ++i) {
        const auto key = fmt::format("chip_arch[{}]", i);
        if (chip_arch[i].chip >= chips) {
            fail(where, key + ".chip",
                 fmt::format("chip {} does not exist (chips = {})", chip_arch[i].chip, chips));
        }
        if (!seen.insert(chip_arch[i].chip).second) {
            fail(where, key + ".chip", fmt::format("chip {} is listed twice", chip_arch[i].chip));
        }
        if (chip_arch[i].arch.empty()) {
            fail(where, key + ".arch", "must name an arch YAML file");
        }
    }
    require_positive(where, "link.bandwidth_gbps", link.bandwidth_gbps);
    require_non_negative(where, "link.energy_pj_per_bit", link.energy_pj_per_bit);
    require_non_negative(where, "link.latency_ns", link.latency_ns);
    require_non_negative(where, "link.fiber_m", link.fiber_m);
    require_non_negative(where, "link.idle_power_w", link.idle_power_w);
    require_positive(where, "bcast.bandwidth_gbps", bcast.bandwidth_gbps);
    require_non_negative(where, "bcast.e_tx_pj_per_bit", bcast.e_tx_pj_per_bit);
    require_non_negative(where, "bcast.e_rx_pj_per_bit", bcast.e_rx_pj_per_bit);
    require_non_negative(where, "bcast.e_laser_pj_per_bit_per_reader",
                         bcast.e_laser_pj_per_bit_per_reader);
    require_non_negative(where, "bcast.splitter_excess_db_per_stage",
                         bcast.splitter_excess_db_per_stage);
    require_non_negative(where, "bcast.latency_ns", bcast.latency_ns);
    if (bcast.max_readers == 0) {
        fail(where, "bcast.max_readers", "must be >= 1");
    }
    require_positive(where, "dram.bandwidth_bps", dram.bandwidth_bps);
    require_non_negative(where, "dram.latency_ns", dram.latency_ns);
    require_positive(where, "dram.capacity_gib", dram.capacity_gib);
    if (collective.chunking == 0 || collective.chunking > kMaxChunking) {
        fail(where, "collective.chunking",
             fmt::format("must be between 1 and {} (got {})", kMaxChunking, collective.chunking));
    }
    if (!plan.automatic && collective.algorithm == CollectiveAlgorithm::halving_doubling &&
        (plan.tp & (plan.tp - 1)) != 0) {
        fail(where, "collective.algorithm",
             fmt::format("halving_doubling needs a power-of-two plan.tp (got {})", plan.tp));
    }
    if (topology == TopologyKind::torus && torus.columns != 0 && chips % torus.columns != 0) {
        fail(where, "torus.columns",
             fmt::format("must divide chips = {} (got {})", chips, torus.columns));
    }
    require_positive(where, "switch.port_bandwidth_gbps", switch_spec.port_bandwidth_gbps);
    require_non_negative(where, "switch.latency_ns", switch_spec.latency_ns);
    require_non_negative(where, "switch.energy_pj_per_bit", switch_spec.energy_pj_per_bit);
    // The lookahead is the smallest hop delay; in whole picoseconds it must stay > 0.
    const double fiber_ns = link.fiber_m * 4.9;
    if (topology == TopologyKind::bus || topology == TopologyKind::bus_per_tp) {
        if ((bcast.latency_ns + fiber_ns) * 1000.0 < 1.0) {
            fail(where, "bcast.latency_ns",
                 "with the fibre delay must be >= 0.001 ns: the lookahead (one bus hop) must be "
                 "> 0");
        }
    }
    if (topology != TopologyKind::bus && (link.latency_ns + fiber_ns) * 1000.0 < 1.0) {
        fail(where, "link.latency_ns",
             "with the fibre delay must be >= 0.001 ns: the lookahead (one hop) must be > 0");
    }
}

}  // namespace ltdes::cluster
