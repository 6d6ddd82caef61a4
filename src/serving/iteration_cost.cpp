// SPDX-License-Identifier: MIT
#include "ltdes/serving/iteration_cost.hpp"

#include "ltdes/cluster/collective.hpp"
#include "ltdes/cluster/op_shard.hpp"
#include "ltdes/cluster/weight_residency.hpp"
#include "ltdes/core/assert.hpp"
#include "ltdes/serving/pass_schedule.hpp"

#include <algorithm>
#include <array>
#include <functional>
#include <tuple>

namespace ltdes::serving {

namespace {

bool is_memory_op(workload::OpKind k) {
    return k == workload::OpKind::lookup || k == workload::OpKind::kv_read ||
           k == workload::OpKind::kv_write;
}

/// The fields of `from` that an op's cost depends on (those op_cost memoises on, and the name
/// for residency), placed in `layer`; the rest of `to` is left as it is.
void copy_costed_fields(const workload::Op& from, std::int32_t layer, workload::Op& to) {
    to.kind = from.kind;
    to.role = from.role;
    to.name = from.name;
    to.layer = layer;
    to.m = from.m;
    to.n = from.n;
    to.k = from.k;
    to.count = from.count;
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
    std::function<std::uint64_t(std::uint32_t chip)> sram_bytes,
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
                                  arch_key(c), sram_bytes ? sram_bytes(c) : 0);
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
    // The ranks run in lockstep (one schedule stands for all) when they have the same costs and
    // the collective treats every member alike: a ring whose every message crosses one link, or
    // an algorithm whose every message is one route hop (fully connected, switch, a bus).
    // Otherwise they drift apart in the op-level run and are run side by side here.
    if (tp > 1) {
        const bool one_hop = topology.kind() == cluster::TopologyKind::fully_connected ||
                             topology.kind() == cluster::TopologyKind::star_switch ||
                             topology.has_bus();
        const bool ring =
            cluster::resolve_algorithm(topology, collective_) == cluster::CollectiveAlgorithm::ring;
        bool lockstep = true;
        for (std::uint32_t s = 0; s < plan.pp(); ++s) {
            for (std::uint32_t t = 0; t < tp; ++t) {
                const std::uint32_t a = plan.chip(cluster::ChipCoord{replica, s, t});
                const std::uint32_t b = plan.chip(cluster::ChipCoord{replica, s, (t + 1) % tp});
                lockstep = lockstep && representative_[std::size_t{s} * tp + t] == 0 &&
                           (one_hop || (ring && topology.hops(a, b) == 1));
            }
        }
        for (std::uint32_t s = 0; s < plan.pp() && !lockstep; ++s) {
            std::vector<std::uint32_t> chips;
            for (std::uint32_t t = 0; t < tp; ++t) {
                chips.push_back(plan.chip(cluster::ChipCoord{replica, s, t}));
            }
            groups_.emplace_back(topology, std::move(chips), overlap, collective_);
        }
    }
    resident_.resize(cost_.size());
    if (!sram_bytes) {
        return;
    }
    // The op-level chip admits weights in trace order: embedding, its layers, the LM head.
    const std::array one{SliceShape{1, 0, true}};
    const IterationOps sample = build_iteration_ops(plan.model(), bits, one);
    for (std::uint32_t s = 0; s < plan.pp(); ++s) {
        for (std::uint32_t t = 0; t < tp; ++t) {
            const std::uint32_t chip = plan.chip(cluster::ChipCoord{replica, s, t});
            cluster::WeightResidency residency(sram_bytes(chip));
            auto& set = resident_[std::size_t{s} * tp + t];
            const auto admit = [&](const std::vector<workload::Op>& ops, std::int32_t layer) {
                for (workload::Op op : ops) {
                    op.layer = layer;
                    if (op.kind != workload::OpKind::gemm) {
                        continue;
                    }
                    const cluster::OpShard sh =
                        cluster::shard_op(op, plan, chip, plan.workload().batch);
                    if (sh.runs &&
                        residency.admit(layer, op.name, cluster::weight_bytes(sh.n, sh.k, bits)) !=
                            cluster::WeightResidency::kStreamed) {
                        set.emplace(layer, op.name);
                    }
                }
            };
            if (s == 0) {
                admit(sample.head, -1);
            }
            const cluster::Range layers = plan.layers(s);
            for (std::uint32_t l = 0; l < layers.count; ++l) {
                admit(sample.layer, static_cast<std::int32_t>(layers.begin + l));
            }
            if (s + 1 == plan.pp()) {
                admit(sample.tail, -1);
            }
        }
    }
}

bool IterationCostModel::resident(std::uint32_t stage,
                                  std::uint32_t t,
                                  std::int32_t layer,
                                  const std::string& name) const {
    const auto& set = resident_[std::size_t{stage} * plan_.tp() + t];
    return !set.empty() && set.contains(std::pair<std::int32_t, std::string_view>(layer, name));
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
    mix((std::uint64_t{k.stage_rank} << 32) | (std::uint64_t{k.resident} << 24) |
        (std::uint64_t{k.kind} << 16) | (std::uint64_t{k.role} << 8) | k.tp_role);
    return static_cast<std::size_t>(h);
}

const IterationCostModel::OpValue& IterationCostModel::op_cost(const workload::Op& op,
                                                               std::uint32_t stage,
                                                               std::uint32_t t,
                                                               bool resident) const {
    const std::uint32_t tp = plan_.tp();
    const OpKey key{op.m,
                    op.n,
                    op.k,
                    op.count,
                    stage * tp + t,
                    static_cast<std::uint8_t>(op.kind),
                    static_cast<std::uint8_t>(op.role),
                    static_cast<std::uint8_t>(cluster::tp_role(op)),
                    static_cast<std::uint8_t>(resident ? 1 : 0)};
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
    v.timing = resident ? cluster::resident_use(timing) : timing;
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
        v.all_reduce_bytes = bytes;
    }
    return memo_.emplace(key, v).first->second;
}

void IterationCostModel::for_each_residency_run(
    const std::vector<workload::Op>& ops,
    std::uint32_t stage,
    std::uint32_t t_begin,
    std::uint32_t t_end,
    const cluster::Range& layers,
    bool cold,
    const std::function<void(std::uint32_t, std::uint32_t)>& f) const {
    const auto pattern = [&](std::uint32_t l) {
        std::vector<bool> p;
        for (std::uint32_t t = t_begin; t < t_end && !cold; ++t) {
            for (const workload::Op& o : ops) {
                if (o.kind == workload::OpKind::gemm) {
                    p.push_back(resident(stage, t, static_cast<std::int32_t>(l), o.name));
                }
            }
        }
        return p;
    };
    const std::uint32_t end = layers.begin + layers.count;
    for (std::uint32_t l = layers.begin; l < end;) {
        const std::vector<bool> p = pattern(l);
        std::uint32_t run = 1;
        while (l + run < end && pattern(l + run) == p) {
            ++run;
        }
        f(l, run);
        l += run;
    }
}

IterationCostModel::Segment IterationCostModel::run_segment(const std::vector<workload::Op>& ops,
                                                            std::uint32_t stage,
                                                            std::uint32_t t,
                                                            std::int32_t layer,
                                                            bool cold) const {
    Segment seg;
    if (ops.empty()) {
        return seg;
    }
    std::vector<ScheduledOp> sched(ops.size());
    workload::Op op;
    for (std::size_t i = 0; i < ops.size(); ++i) {
        copy_costed_fields(ops[i], layer, op);
        const bool res =
            !cold && op.kind == workload::OpKind::gemm && resident(stage, t, layer, ops[i].name);
        const OpValue& v = op_cost(op, stage, t, res);
        ScheduledOp& s = sched[i];
        s.timing = v.timing;
        s.after = v.all_reduce;
        s.dram = is_memory_op(op.kind);
        for (const std::uint64_t d : ops[i].deps) {
            s.deps.push_back(static_cast<std::uint32_t>(d));
        }
        seg.energy += v.timing.energy;
        seg.all_reduce_pj += v.all_reduce_pj;
    }
    seg.duration = schedule_makespan(sched, overlap_);
    return seg;
}

IterationCost IterationCostModel::cost(std::span<const SliceShape> batch, bool cold) const {
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
                add(run_segment(ops.head, s, t, -1, cold), 1);
            }
            // Consecutive layers whose weights are resident alike cost alike: one block each.
            for_each_residency_run(
                ops.layer, s, t, t + 1, layers, cold, [&](std::uint32_t l, std::uint32_t run) {
                    add(run_segment(ops.layer, s, t, static_cast<std::int32_t>(l), cold), run);
                });
            if (s + 1 == pp) {
                add(run_segment(ops.tail, s, t, -1, cold), 1);
            }
            per_rank[t] = total;
        }
        for (std::uint32_t t = 0; t < tp; ++t) {
            sc.duration = std::max(sc.duration, per_rank[t].duration);
            sc.energy += per_rank[t].energy;
        }
        // Every member computes the group's collective cost; it is charged once.
        sc.energy[EnergyComponent::link] += per_rank[0].all_reduce_pj;
        // Activations to the next stage: one transfer per tensor rank, to the same rank of the
        // next stage, all at once over the links (on a ring they share links and ports). The
        // token ids back to the first stage: the unloaded transfer, as the op fidelity does.
        const bool last = s + 1 == pp;
        if (pp > 1 && (!last || emitting > 0)) {
            const std::vector<cluster::Transfer> moves = stage_transfers(s, tokens, emitting, {});
            SimTime slowest;
            if (last) {
                for (const cluster::Transfer& m : moves) {
                    const cluster::CollectiveCost c =
                        cluster::p2p_cost(topology_, m.src, m.dst, m.bytes);
                    slowest = std::max(slowest, c.time);
                    sc.energy[EnergyComponent::link] += c.energy_pj;
                }
            } else {
                cluster::NetworkReplay idle(topology_);
                for (const SimTime a : idle.transfers(moves)) {
                    slowest = std::max(slowest, a);
                }
                sc.energy[EnergyComponent::link] += idle.energy_pj();
            }
            (last ? r.feedback : sc.transfer) = slowest;
        }
    }
    if (!groups_.empty()) {
        group_durations(ops, tokens, emitting, cold, r);
    }
    return r;
}

void IterationCostModel::run_group(const std::vector<workload::Op>& ops,
                                   std::uint32_t stage,
                                   std::int32_t layer,
                                   std::uint64_t times,
                                   bool cold,
                                   std::vector<SimTime>& ready,
                                   cluster::NetworkReplay& net) const {
    if (ops.empty() || times == 0) {
        return;
    }
    const std::uint32_t tp = plan_.tp();
    std::vector<GroupOp> group(ops.size());
    std::vector<std::vector<cluster::OpTiming>> timings(tp,
                                                        std::vector<cluster::OpTiming>(ops.size()));
    workload::Op op;
    for (std::size_t i = 0; i < ops.size(); ++i) {
        copy_costed_fields(ops[i], layer, op);
        for (std::uint32_t t = 0; t < tp; ++t) {
            const std::uint32_t rep = representative_[std::size_t{stage} * tp + t];
            if (rep != t) {
                timings[t][i] = timings[rep][i];  // same shares, arch and SRAM: same cost
                continue;
            }
            const bool res = !cold && op.kind == workload::OpKind::gemm &&
                             resident(stage, t, layer, ops[i].name);
            const OpValue& v = op_cost(op, stage, t, res);
            timings[t][i] = v.timing;
            group[i].all_reduce = v.all_reduce_bytes > 0;
            group[i].all_reduce_bytes = v.all_reduce_bytes;
        }
        group[i].dram = overlap_ && is_memory_op(op.kind);
        for (const std::uint64_t d : ops[i].deps) {
            group[i].deps.push_back(static_cast<std::uint32_t>(d));
        }
    }
    groups_[stage].run(group, timings, ready, net, times);
}

std::vector<cluster::Transfer> IterationCostModel::stage_transfers(
    std::uint32_t stage,
    std::uint64_t tokens,
    std::uint64_t emitting,
    std::span<const SimTime> departs) const {
    const bool last = stage + 1 == plan_.pp();
    const std::uint64_t bytes =
        last ? 4 * emitting : (tokens * plan_.model().d_model * bits_ + 7) / 8;
    const std::uint32_t next = last ? 0 : stage + 1;
    std::vector<cluster::Transfer> moves;
    for (std::uint32_t t = 0; t < plan_.tp(); ++t) {
        moves.push_back({plan_.chip(cluster::ChipCoord{replica_, stage, t}),
                         plan_.chip(cluster::ChipCoord{replica_, next, t}), bytes,
                         departs.empty() ? SimTime{} : departs[t]});
    }
    return moves;
}

void IterationCostModel::group_durations(const IterationOps& ops,
                                         std::uint64_t tokens,
                                         std::uint64_t emitting,
                                         bool cold,
                                         IterationCost& r) const {
    const std::uint32_t tp = plan_.tp();
    const std::uint32_t pp = plan_.pp();
    std::vector<SimTime> ready(tp);
    cluster::NetworkReplay net(topology_);  // the replica's links through the whole iteration
    SimTime mark;                           // when the previous stage's last transfer arrived
    r.feedback = SimTime::zero();
    for (std::uint32_t s = 0; s < pp; ++s) {
        const cluster::Range layers = plan_.layers(s);
        const bool last = s + 1 == pp;
        if (s == 0) {
            run_group(ops.head, s, -1, 1, cold, ready, net);
        }
        // Consecutive layers whose weights are resident alike on every rank run alike.
        for_each_residency_run(
            ops.layer, s, 0, tp, layers, cold, [&](std::uint32_t l, std::uint32_t run) {
                run_group(ops.layer, s, static_cast<std::int32_t>(l), run, cold, ready, net);
            });
        if (last) {
            run_group(ops.tail, s, -1, 1, cold, ready, net);
        }
        SimTime end;
        for (const SimTime t : ready) {
            end = std::max(end, t);
        }
        StageCost& sc = r.stages[s];
        sc.duration = end - mark;
        sc.transfer = SimTime::zero();
        if (pp == 1 || (last && emitting == 0)) {
            continue;
        }
        // Each rank sends as soon as its own part is done, over the links as they are (behind
        // all-reduce messages still on them); the next stage's rank starts when it arrives. The
        // token ids go back unloaded, as the op fidelity sends them.
        const std::vector<cluster::Transfer> moves = stage_transfers(s, tokens, emitting, ready);
        if (last) {
            for (std::uint32_t t = 0; t < tp; ++t) {
                ready[t] +=
                    cluster::p2p_cost(topology_, moves[t].src, moves[t].dst, moves[t].bytes).time;
            }
        } else {
            ready = net.transfers(moves);
        }
        const SimTime arrival_max = *std::max_element(ready.begin(), ready.end());
        if (last) {
            r.feedback = arrival_max - end;
        } else {
            sc.transfer = arrival_max - end;
            mark = arrival_max;
        }
    }
}

}  // namespace ltdes::serving
