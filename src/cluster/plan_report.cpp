// SPDX-License-Identifier: MIT
#include "ltdes/cluster/plan_report.hpp"

#include "ltdes/cluster/chip_memory.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <string_view>

namespace ltdes::cluster {

namespace {

double gib(std::uint64_t bytes) {
    return static_cast<double>(bytes) / 1073741824.0;
}

std::string range_text(Range r) {
    if (r.count == 0) {
        return "-";
    }
    return r.count == 1 ? fmt::format("{}", r.begin) : fmt::format("{}-{}", r.begin, r.end() - 1);
}

/// Chips of one (stage, tensor rank) over the replicas, shortened when there are many.
std::string chips_text(const Plan& plan, std::uint32_t stage, std::uint32_t t) {
    std::string s;
    const std::uint32_t shown = std::min(plan.dp(), 4U);
    for (std::uint32_t d = 0; d < shown; ++d) {
        s += fmt::format("{}{}", d == 0 ? "" : ",", plan.chip(ChipCoord{d, stage, t}));
    }
    if (plan.dp() > shown) {
        s += fmt::format(",..,{}", plan.chip(ChipCoord{plan.dp() - 1, stage, t}));
    }
    return s;
}

}  // namespace

int rank_of_chip(std::uint32_t chip, std::uint32_t chips, int ranks) {
    const auto r = static_cast<std::uint32_t>(ranks);
    if (r >= chips) {
        return static_cast<int>(chip);
    }
    for (std::uint32_t i = 0; i < r; ++i) {
        if (chip < split_even(chips, r, i).end()) {
            return static_cast<int>(i);
        }
    }
    return ranks - 1;
}

DramFit dram_fit(const Plan& plan, std::uint32_t bits, double capacity_gib) {
    DramFit fit;
    for (std::uint32_t chip = 0; chip < plan.chips(); ++chip) {
        const ChipMemory m = chip_memory(plan, chip, bits, capacity_gib);
        fit.capacity_bytes = m.capacity_bytes;
        if (m.total_bytes() > fit.worst_bytes || chip == 0) {
            fit.worst_bytes = m.total_bytes();
            fit.worst_chip = chip;
        }
        fit.chips_over += m.fits() ? 0U : 1U;
    }
    return fit;
}

std::string format_dram_fit(const DramFit& fit, std::uint32_t bits) {
    if (fit.fits()) {
        return fmt::format(
            "DRAM: fits; the fullest chip ({}) holds {:.3f} GiB of weights and KV cache at {} "
            "bits in {:.3f} GiB",
            fit.worst_chip, gib(fit.worst_bytes), bits, gib(fit.capacity_bytes));
    }
    return fmt::format(
        "DRAM: does NOT fit: {} chip(s) exceed their {:.3f} GiB; chip {} needs {:.3f} GiB of "
        "weights and KV cache at {} bits (raise dram.capacity_gib or use more tp/pp)",
        fit.chips_over, gib(fit.capacity_bytes), fit.worst_chip, gib(fit.worst_bytes), bits);
}

std::string format_plan_report(const ClusterSpec& spec,
                               const Plan& plan,
                               const Topology& topology,
                               const PlanReportInputs& in) {
    const auto& m = plan.model();
    const auto& w = plan.workload();
    std::string out;
    auto line = [&](const std::string& s) {
        out += s;
        out += '\n';
    };
    line(fmt::format("lt-des dry run: {} (nothing is simulated)", in.trace));
    line(
        fmt::format("model      {} ({}): {} layers, d_model {}, {} heads ({} KV) of {}, d_ff {}{}, "
                    "vocab {}",
                    m.name, workload::kFamilyNames.at(static_cast<std::size_t>(m.family)), m.layers,
                    m.d_model, m.n_heads, m.n_kv_heads, m.d_head, m.d_ff,
                    m.n_experts > 1 ? fmt::format(" x {} experts (top {})", m.n_experts, m.top_k)
                                    : std::string(),
                    m.vocab));
    // Per request, in the words of docs/units.md: prefill makes the first token, each decode
    // step one more.
    line(
        m.is_encoder()
            ? fmt::format("workload   {} request(s) of {} tokens each (encoder)", w.batch, w.prompt)
            : fmt::format("workload   {} request(s), each: prompt {} tokens, {} decode steps, {} "
                          "generated tokens (the first from prefill)",
                          w.batch, w.prompt, w.decode, std::uint64_t{w.decode} + 1));
    line(fmt::format(
        "cluster    {}: {} chips, topology {}, {} Gb/s per direction, {} ns per hop "
        "+ {} m fibre, {} pJ/bit; arch {}",
        in.cluster_source, in.searched_budget > 0 ? in.searched_budget : plan.chips(),
        topology_name(spec.topology),
        spec.topology == TopologyKind::bus ? spec.bcast.bandwidth_gbps : spec.link.bandwidth_gbps,
        spec.topology == TopologyKind::bus ? spec.bcast.latency_ns : spec.link.latency_ns,
        spec.link.fiber_m, spec.link.energy_pj_per_bit,
        spec.arch.empty() ? std::string("built-in DOTA-B 4-bit") : spec.arch));
    const std::uint32_t busy = plan.tp() * plan.pp() * plan.active_replicas();
    const std::uint32_t budget = in.searched_budget > 0 ? in.searched_budget : plan.chips();
    line(fmt::format(
        "plan       {}: tp {} x pp {} x dp {} = {} chips, {}; {} micro-batch(es) per replica; "
        "overlap {}",
        in.searched_budget > 0 ? "searched"
        : plan.automatic()     ? "auto"
                               : "explicit",
        plan.tp(), plan.pp(), plan.dp(), plan.chips(),
        in.searched_budget > 0
            ? fmt::format("{} of {} chips busy; {} idle", busy, budget, budget - busy)
            : fmt::format("{} busy", busy),
        plan.microbatches(), spec.overlap ? "on" : "off"));
    if (plan.ep() > 1) {
        line(fmt::format(
            "experts    ep {}: {} groups of {} replicas, {} experts per chip (expert e on lane "
            "e mod {}); routing {}, capacity factor {}",
            plan.ep(), plan.dp() / plan.ep(), plan.ep(), plan.model().n_experts / plan.ep(),
            plan.ep(), workload::moe_routing_text(spec.moe),
            spec.moe.capacity_factor > 0.0 ? fmt::format("{}", spec.moe.capacity_factor)
                                           : std::string("none")));
    }
    if (spec.topology == TopologyKind::bus_per_tp) {
        line(topology.has_bus()
                 ? fmt::format("buses      one per tensor group of {} chips: {} Gb/s per sender, "
                               "{} ns + fibre, {} readers per broadcast",
                               plan.tp(), spec.bcast.bandwidth_gbps, spec.bcast.latency_ns,
                               plan.tp() - 1)
                 : fmt::format("buses      none: tp {} {}", plan.tp(),
                               plan.tp() == 1 ? "(no tensor groups)"
                                              : "needs more readers than bcast.max_readers"));
    }
    const auto lps = plan.chips();
    {
        // LPs: the chips; contiguous blocks per rank.
        const auto ranks = static_cast<std::uint32_t>(std::max(in.ranks, 1));
        const std::uint32_t owners = std::min(ranks, lps);
        std::string per_rank;
        const std::uint32_t shown = std::min(owners, 8U);
        for (std::uint32_t r = 0; r < shown; ++r) {
            per_rank += fmt::format("{}{}: {}", r == 0 ? "" : ", ", r,
                                    range_text(split_even(lps, owners, r)));
        }
        if (owners > shown) {
            per_rank += fmt::format(", ..., {}: {}", owners - 1,
                                    range_text(split_even(lps, owners, owners - 1)));
        }
        line(fmt::format(
            "ranks      {} MPI rank(s); LPs (chips) per rank: {}{}", ranks, per_rank,
            ranks > lps ? fmt::format("; ranks {}-{} idle", lps, ranks - 1) : std::string()));
    }
    line(fmt::format("lookahead  {} ps ({})", topology.lookahead().in_ps(),
                     spec.topology == TopologyKind::bus ? "one bus hop" : "one hop"));
    if (in.census != nullptr) {
        const OpCensus& c = *in.census;
        line(
            fmt::format("ops        {} logical ops in {} pass(es); expected {} op instances on "
                        "chips, {} all-reduces, {} pipeline transfers",
                        c.logical_ops(), c.passes(), c.op_instances(), c.all_reduce_instances(),
                        c.pipeline_transfers()));
    }
    line("");
    line(fmt::format("{:>5} {:>4} {:<16} {:<8} {:<8} {:<8} {:<12} {:>9} {:>12}", "stage", "tp",
                     "chips", "layers", "heads", "kv", "ffn_cols", "ops_per_mb", "dram_GiB"));
    for (std::uint32_t s = 0; s < plan.pp(); ++s) {
        for (std::uint32_t t = 0; t < plan.tp(); ++t) {
            const ChipMemory mem =
                chip_memory(plan, plan.chip(ChipCoord{0, s, t}), in.bits, spec.dram.capacity_gib);
            line(fmt::format("{:>5} {:>4} {:<16} {:<8} {:<8} {:<8} {:<12} {:>9} {:>12.4f}", s, t,
                             chips_text(plan, s, t), range_text(plan.layers(s)),
                             range_text(plan.heads(t)), range_text(plan.kv_heads(t)),
                             range_text(plan.ffn_columns(t)),
                             in.census != nullptr ? fmt::format("{}", in.census->stage_ops(s))
                                                  : std::string("-"),
                             gib(mem.total_bytes())));
        }
    }
    std::string replicas;
    const std::uint32_t shown = std::min(plan.dp(), 8U);
    for (std::uint32_t d = 0; d < shown; ++d) {
        replicas += fmt::format("{}{}: {}", d == 0 ? "" : ", ", d, range_text(plan.requests(d)));
    }
    if (plan.dp() > shown) {
        replicas += ", ...";
    }
    line(fmt::format("requests   per replica (dp): {}{}", replicas,
                     plan.active_replicas() < plan.dp()
                         ? fmt::format("; {} replica(s) without requests idle",
                                       plan.dp() - plan.active_replicas())
                         : std::string()));
    line(format_dram_fit(dram_fit(plan, in.bits, spec.dram.capacity_gib), in.bits));
    return out;
}

}  // namespace ltdes::cluster
