// SPDX-License-Identifier: MIT
#include "ltdes/cluster/plan.hpp"

#include "ltdes/core/assert.hpp"
#include "ltdes/core/error.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <tuple>

namespace ltdes::cluster {

Range split_even(std::uint32_t total, std::uint32_t parts, std::uint32_t index) {
    LTDES_ASSERT(parts > 0 && index < parts, "split_even: index {} of {} parts", index, parts);
    const std::uint32_t q = total / parts;
    const std::uint32_t r = total % parts;
    const std::uint32_t begin = index * q + std::min(index, r);
    return Range{begin, q + (index < r ? 1U : 0U)};
}

PlanSpec Plan::choose_auto(std::uint32_t chips,
                           const workload::ModelShape& model,
                           const workload::WorkloadSpec& workload) {
    LTDES_ASSERT(chips > 0, "auto plan for 0 chips");
    const std::uint32_t max_tp = std::max(1U, std::min(model.n_heads, model.d_ff));
    const std::uint32_t max_pp = std::max(1U, model.layers);
    PlanSpec best{false, 1, 1, chips};
    // Lexicographic score, smaller is better: (-busy chips, largest factor, tp, pp).
    auto score = [&](std::uint32_t tp, std::uint32_t pp, std::uint32_t dp) {
        const std::uint64_t busy = std::uint64_t{tp} * pp * std::min(dp, workload.batch);
        return std::tuple(-static_cast<std::int64_t>(busy), std::max({tp, pp, dp}), tp, pp);
    };
    auto best_score = score(best.tp, best.pp, best.dp);
    for (std::uint32_t tp = 1; tp <= std::min(chips, max_tp); ++tp) {
        if (chips % tp != 0) {
            continue;
        }
        for (std::uint32_t pp = 1; pp <= std::min(chips / tp, max_pp); ++pp) {
            if ((chips / tp) % pp != 0) {
                continue;
            }
            const std::uint32_t dp = chips / tp / pp;
            const auto s = score(tp, pp, dp);
            if (s < best_score) {
                best_score = s;
                best = PlanSpec{false, tp, pp, dp};
            }
        }
    }
    return best;
}

Plan::Plan(const ClusterSpec& spec,
           const workload::ModelShape& model,
           const workload::WorkloadSpec& workload,
           std::string_view where)
    : model_(model), workload_(workload), automatic_(spec.plan.automatic) {
    if (model.layers == 0 || model.n_heads == 0 || model.d_ff == 0 || workload.batch == 0) {
        throw ConfigError(
            fmt::format("{}: the model needs layers, heads, d_ff and a batch > 0", where));
    }
    const PlanSpec p = spec.plan.automatic ? choose_auto(spec.chips, model, workload) : spec.plan;
    tp_ = p.tp;
    pp_ = p.pp;
    dp_ = p.dp;
    if (tp_ > model.n_heads) {
        throw ConfigError(
            fmt::format("{}: tp = {} is more than the {} attention heads of {} (every tensor rank "
                        "needs a head)",
                        where, tp_, model.n_heads, model.name));
    }
    if (tp_ > model.d_ff) {
        throw ConfigError(fmt::format("{}: tp = {} is more than d_ff = {} of {}", where, tp_,
                                      model.d_ff, model.name));
    }
    if (pp_ > model.layers) {
        throw ConfigError(
            fmt::format("{}: pp = {} is more than the {} layers of {} (every stage needs a layer)",
                        where, pp_, model.layers, model.name));
    }
    if (spec.topology == TopologyKind::bus && tp_ > 1 && tp_ - 1 > spec.bcast.max_readers) {
        throw ConfigError(fmt::format(
            "{}: tp = {} needs bus all-gathers to {} readers, more than bcast.max_readers = {}",
            where, tp_, tp_ - 1, spec.bcast.max_readers));
    }
    if (spec.collective.algorithm == CollectiveAlgorithm::halving_doubling &&
        (tp_ & (tp_ - 1)) != 0) {
        throw ConfigError(fmt::format(
            "{}: collective.algorithm halving_doubling needs a power-of-two tp (got tp = {})",
            where, tp_));
    }
    ep_ = spec.plan.automatic ? 1 : std::max(1U, spec.plan.ep);
    check_expert_parallel(spec, where);
    // Replica 0 has the most requests. Expert groups exchange tokens per micro-batch, so with
    // ep > 1 every replica must have each micro-batch: the last (fewest) bounds them.
    const std::uint32_t most_requests = ep_ > 1 ? requests(dp_ - 1).count : requests(0).count;
    if (spec.microbatches == 0) {
        microbatches_ = std::max(1U, std::min(pp_, most_requests));
    } else if (spec.microbatches > most_requests) {
        throw ConfigError(fmt::format(
            "{}: microbatches = {} is more than the {} request(s) of a replica (batch {} over "
            "dp {})",
            where, spec.microbatches, most_requests, workload.batch, dp_));
    } else {
        microbatches_ = spec.microbatches;
    }
}

void Plan::check_expert_parallel(const ClusterSpec& spec, std::string_view where) const {
    if (ep_ == 1) {
        return;
    }
    const auto fail = [&](const std::string& why) {
        throw ConfigError(fmt::format("{}: ep = {}: {} (docs/cluster.md, \"Expert parallelism\")",
                                      where, ep_, why));
    };
    if (model_.n_experts <= 1) {
        fail(fmt::format("{} has no experts", model_.name));
    }
    if (model_.n_experts % ep_ != 0) {
        fail(fmt::format("must divide the {} experts of {}", model_.n_experts, model_.name));
    }
    if (dp_ % ep_ != 0) {
        fail(fmt::format("must divide dp = {} (expert groups are ep replicas)", dp_));
    }
    if (spec.topology == TopologyKind::bus) {
        fail("the all-to-all needs point-to-point links, not the bus");
    }
    if (workload_.batch < dp_) {
        fail(fmt::format("every replica of an expert group needs a request (batch {} < dp {})",
                         workload_.batch, dp_));
    }
}

ChipCoord Plan::coord(std::uint32_t chip) const {
    LTDES_ASSERT(chip < chips(), "chip {} of {}", chip, chips());
    return ChipCoord{chip / (tp_ * pp_), (chip / tp_) % pp_, chip % tp_};
}

std::uint32_t Plan::stage_of_layer(std::uint32_t layer) const {
    LTDES_ASSERT(layer < model_.layers, "layer {} of {}", layer, model_.layers);
    const std::uint32_t q = model_.layers / pp_;
    const std::uint32_t r = model_.layers % pp_;
    const std::uint32_t big = r * (q + 1);  // layers in the r stages that hold q + 1
    return layer < big ? layer / (q + 1) : r + (layer - big) / q;
}

Range Plan::kv_heads(std::uint32_t t) const {
    const Range h = heads(t);
    const std::uint32_t n_kv = model_.n_kv_heads == 0 ? model_.n_heads : model_.n_kv_heads;
    // Query head q uses KV head q·n_kv/n_heads (GQA groups of n_heads/n_kv).
    const auto group = [&](std::uint32_t q) {
        return static_cast<std::uint32_t>(std::uint64_t{q} * n_kv / model_.n_heads);
    };
    const std::uint32_t first = group(h.begin);
    const std::uint32_t last = group(h.end() - 1);
    return Range{first, last - first + 1};
}

}  // namespace ltdes::cluster
