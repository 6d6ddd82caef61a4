// SPDX-License-Identifier: MIT
#include "ltdes/serving/iteration_cost.hpp"

#include "ltdes/cluster/collective.hpp"
#include "ltdes/cluster/op_shard.hpp"
#include "ltdes/core/assert.hpp"
#include "ltdes/serving/pass_schedule.hpp"

#include <algorithm>
#include <tuple>

namespace ltdes::serving {

namespace {

bool is_memory_op(workload::OpKind k) {
    return k == workload::OpKind::lookup || k == workload::OpKind::kv_read ||
           k == workload::OpKind::kv_write;
}

}  // namespace

SimTime IterationCost::duration() const {
    SimTime t;
    for (const StageCost& s : stages) {
        t += s.duration + s.transfer;
    }
    return t;
}

EnergyPj IterationCost::energy() const {
    EnergyPj e;
    for (const StageCost& s : stages) {
        e += s.energy;
    }
    return e;
}

IterationCostModel::IterationCostModel(
    const cluster::Plan& plan,
    const cluster::Topology& topology,
    std::uint32_t replica,
    std::uint32_t bits,
    bool overlap,
    std::function<cluster::OpCostFn(std::uint32_t chip)> cost_of_chip,
    std::function<std::uint32_t(std::uint32_t chip)> arch_key,
    cluster::CollectiveSpec collective)
    : plan_(plan),
      topology_(topology),
      replica_(replica),
      bits_(bits),
      overlap_(overlap),
      collective_(collective) {
    const std::uint32_t tp = plan.tp();
    for (std::uint32_t s = 0; s < plan.pp(); ++s) {
        for (std::uint32_t t = 0; t < tp; ++t) {
            const std::uint32_t chip = plan.chip(cluster::ChipCoord{replica, s, t});
            cost_.push_back(cost_of_chip(chip));
            // A tensor rank with the same shares and arch as an earlier one costs the same.
            const auto key = [&](std::uint32_t r) {
                const std::uint32_t c = plan.chip(cluster::ChipCoord{replica, s, r});
                return std::tuple(plan.heads(r).count, plan.kv_heads(r).count,
                                  plan.ffn_columns(r).count, plan.vocab_columns(r).count,
                                  arch_key(c));
            };
            std::uint32_t rep = t;
            for (std::uint32_t r = 0; r < t; ++r) {
                if (key(r) == key(t)) {
                    rep = r;
                    break;
                }
            }
            representative_.push_back(rep);
        }
    }
}

std::size_t IterationCostModel::OpKeyHash::operator()(const OpKey& k) const {
    std::uint64_t h = 0xcbf29ce484222325ULL;
    const auto mix = [&h](std::uint64_t v) {
        h ^= v + 0x9E3779B97F4A7C15ULL + (h << 6) + (h >> 2);
    };
    mix(k.m);
    mix(k.n);
    mix(k.k);
    mix(k.count);
    mix((std::uint64_t{k.stage_rank} << 24) | (std::uint64_t{k.kind} << 16) |
        (std::uint64_t{k.role} << 8) | k.tp_role);
    return static_cast<std::size_t>(h);
}

const IterationCostModel::OpValue& IterationCostModel::op_cost(const workload::Op& op,
                                                               std::uint32_t stage,
                                                               std::uint32_t t) const {
    const std::uint32_t tp = plan_.tp();
    const OpKey key{op.m,
                    op.n,
                    op.k,
                    op.count,
                    stage * tp + t,
                    static_cast<std::uint8_t>(op.kind),
                    static_cast<std::uint8_t>(op.role),
                    static_cast<std::uint8_t>(cluster::tp_role(op))};
    const auto found = memo_.find(key);
    if (found != memo_.end()) {
        return found->second;
    }
    const std::uint32_t chip = plan_.chip(cluster::ChipCoord{replica_, stage, t});
    const cluster::OpShard shard = cluster::shard_op(op, plan_, chip, plan_.workload().batch);
    LTDES_ASSERT(shard.runs, "iteration op {} does not run on stage {}", op.name, stage);
    const cluster::OpTiming timing =
        cost_[std::size_t{stage} * tp + t](cluster::apply_shard(op, shard));
    OpValue v;
    v.duration = timing.duration;
    v.energy = timing.energy;
    if (shard.all_reduce_after && tp > 1) {
        std::vector<std::uint32_t> group;
        for (std::uint32_t r = 0; r < tp; ++r) {
            group.push_back(plan_.chip(cluster::ChipCoord{replica_, stage, r}));
        }
        const std::uint64_t bytes = (shard.all_reduce_elements * bits_ + 7) / 8;
        // The chip LPs' own rules on an idle network (links, ports, routes, the algorithm).
        const auto schedule = cluster::all_reduce_schedule(topology_, collective_, bytes, tp);
        const cluster::CollectiveCost c = cluster::replay_collective(topology_, group, schedule);
        v.all_reduce = c.time;
        v.all_reduce_pj = c.energy_pj;
    }
    return memo_.emplace(key, v).first->second;
}

IterationCostModel::Segment IterationCostModel::run_segment(const std::vector<workload::Op>& ops,
                                                            std::uint32_t stage,
                                                            std::uint32_t t,
                                                            std::int32_t layer) const {
    Segment seg;
    if (ops.empty()) {
        return seg;
    }
    std::vector<ScheduledOp> sched(ops.size());
    workload::Op op;
    for (std::size_t i = 0; i < ops.size(); ++i) {
        op.kind = ops[i].kind;
        op.role = ops[i].role;
        op.name = ops[i].name;
        op.layer = layer;
        op.m = ops[i].m;
        op.n = ops[i].n;
        op.k = ops[i].k;
        op.count = ops[i].count;
        const OpValue& v = op_cost(op, stage, t);
        ScheduledOp& s = sched[i];
        s.duration = v.duration;
        s.after = v.all_reduce;
        s.dram = is_memory_op(op.kind);
        for (const std::uint64_t d : ops[i].deps) {
            s.deps.push_back(static_cast<std::uint32_t>(d));
        }
        seg.energy += v.energy;
        seg.all_reduce_pj += v.all_reduce_pj;
    }
    seg.duration = schedule_makespan(sched, overlap_);
    return seg;
}

IterationCost IterationCostModel::cost(std::span<const SliceShape> batch) const {
    const IterationOps ops = build_iteration_ops(plan_.model(), bits_, batch);
    const std::uint32_t tp = plan_.tp();
    const std::uint32_t pp = plan_.pp();
    std::uint64_t tokens = 0;
    std::uint64_t emitting = 0;
    for (const SliceShape& s : batch) {
        tokens += s.tokens;
        emitting += s.emits ? 1 : 0;
    }
    IterationCost r;
    r.stages.resize(pp);
    std::vector<Segment> per_rank(tp);
    for (std::uint32_t s = 0; s < pp; ++s) {
        const cluster::Range layers = plan_.layers(s);
        StageCost& sc = r.stages[s];
        for (std::uint32_t t = 0; t < tp; ++t) {
            const std::uint32_t rep = representative_[std::size_t{s} * tp + t];
            if (rep != t) {
                per_rank[t] = per_rank[rep];  // same shares and arch: same cost
                continue;
            }
            Segment total;
            const auto add = [&](const Segment& seg, std::uint64_t times) {
                total.duration +=
                    SimTime::from_ps(seg.duration.in_ps() * static_cast<std::int64_t>(times));
                for (std::size_t i = 0; i < kNumEnergyComponents; ++i) {
                    total.energy.pj[i] += seg.energy.pj[i] * static_cast<double>(times);
                }
                total.all_reduce_pj += seg.all_reduce_pj * static_cast<double>(times);
            };
            if (s == 0) {
                add(run_segment(ops.head, s, t, -1), 1);
            }
            if (layers.count > 0) {
                add(run_segment(ops.layer, s, t, static_cast<std::int32_t>(layers.begin)),
                    layers.count);
            }
            if (s + 1 == pp) {
                add(run_segment(ops.tail, s, t, -1), 1);
            }
            per_rank[t] = total;
        }
        for (std::uint32_t t = 0; t < tp; ++t) {
            sc.duration = std::max(sc.duration, per_rank[t].duration);
            sc.energy += per_rank[t].energy;
        }
        // Every member computes the group's collective cost; it is charged once.
        sc.energy[EnergyComponent::link] += per_rank[0].all_reduce_pj;
        // Activations to the next stage, or the token ids back to the first: one transfer
        // per tensor rank, to the same rank of the other stage.
        const bool last = s + 1 == pp;
        if (pp > 1 && (!last || emitting > 0)) {
            const std::uint64_t bytes =
                last ? 4 * emitting : (tokens * plan_.model().d_model * bits_ + 7) / 8;
            const std::uint32_t next = last ? 0 : s + 1;
            SimTime slowest;
            for (std::uint32_t t = 0; t < tp; ++t) {
                const cluster::CollectiveCost c =
                    cluster::p2p_cost(topology_, plan_.chip(cluster::ChipCoord{replica_, s, t}),
                                      plan_.chip(cluster::ChipCoord{replica_, next, t}), bytes);
                slowest = std::max(slowest, c.time);
                sc.energy[EnergyComponent::link] += c.energy_pj;
            }
            (last ? r.feedback : sc.transfer) = slowest;
        }
    }
    return r;
}

}  // namespace ltdes::serving
