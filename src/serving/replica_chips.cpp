// SPDX-License-Identifier: MIT
#include "ltdes/serving/replica_chips.hpp"

#include "ltdes/cluster/collective.hpp"
#include "ltdes/core/assert.hpp"

#include <memory>
#include <tuple>
#include <unordered_map>
#include <variant>

namespace ltdes::serving {

namespace {

/// What an op shard's cost depends on (photonic::CostModel reads nothing else).
struct ShardKey {
    std::uint64_t m, n, k, count;
    std::uint8_t kind, role;

    friend bool operator==(const ShardKey&, const ShardKey&) = default;
};

struct ShardKeyHash {
    std::size_t operator()(const ShardKey& k) const {
        std::uint64_t h = 0xcbf29ce484222325ULL;
        for (const std::uint64_t v :
             {k.m, k.n, k.k, k.count, (std::uint64_t{k.kind} << 8) | std::uint64_t{k.role}}) {
            h ^= v + 0x9E3779B97F4A7C15ULL + (h << 6) + (h >> 2);
        }
        return static_cast<std::size_t>(h);
    }
};

cluster::OpCostFn memoised(cluster::OpCostFn fn) {
    auto memo = std::make_shared<std::unordered_map<ShardKey, cluster::OpTiming, ShardKeyHash>>();
    return [fn = std::move(fn), memo](const workload::Op& op) {
        const ShardKey key{op.m,
                           op.n,
                           op.k,
                           op.count,
                           static_cast<std::uint8_t>(op.kind),
                           static_cast<std::uint8_t>(op.role)};
        const auto found = memo->find(key);
        if (found != memo->end()) {
            return found->second;
        }
        return memo->emplace(key, fn(op)).first->second;
    };
}

}  // namespace

ReplicaChips::ReplicaChips(const cluster::Plan& plan,
                           const cluster::ClusterSpec& spec,
                           std::uint32_t replica,
                           std::uint32_t bits,
                           const std::function<cluster::OpCostFn(std::uint32_t chip)>& cost_of_chip,
                           std::function<std::uint64_t(std::uint32_t chip)> sram_bytes)
    : plan_(plan),
      spec_(spec),
      topology_(spec, plan.chips(), plan.tp()),
      replica_(replica),
      bits_(bits),
      first_chip_(plan.chip(cluster::ChipCoord{replica, 0, 0})),
      sram_bytes_(std::move(sram_bytes)) {
    for (std::uint32_t i = 0; i < plan.tp() * plan.pp(); ++i) {
        cost_.push_back(memoised(cost_of_chip(first_chip_ + i)));
    }
}

void ReplicaChips::start(std::span<const SliceShape> batch, bool cold, des::Context& ctx) {
    LTDES_ASSERT(chips_.empty() || finished(), "replica {}: iteration started during another",
                 replica_);
    build(batch, cold);
    for (cluster::ChipModel& c : chips_) {
        c.start(ctx.now(), out_);
        flush(ctx);
    }
}

void ReplicaChips::build(std::span<const SliceShape> batch, bool cold) {
    chips_.clear();
    relays_.clear();
    batch_.assign(batch.begin(), batch.end());
    cold_ = cold;
    emitting_ = 0;
    for (const SliceShape& s : batch) {
        emitting_ += s.emits ? 1 : 0;
    }
    cluster::ProgramBuilder builder(plan_);
    for (const workload::Op& op : build_iteration_graph(plan_.model(), bits_, batch)) {
        builder.add(op);
    }
    programs_ = builder.finish();
    chips_.reserve(cost_.size());
    for (std::uint32_t i = 0; i < cost_.size(); ++i) {
        const std::uint32_t chip = first_chip_ + i;
        chips_.emplace_back(chip, plan_, programs_[plan_.coord(chip).pp], topology_, spec_, bits_,
                            cost_[i], false);
        chips_.back().run_whole_batch();
        if (sram_bytes_) {
            chips_.back().set_sram_capacity(sram_bytes_(chip), !cold);
        }
    }
}

bool ReplicaChips::on_event(const des::Event& ev, des::Context& ctx) {
    const SimTime now = ctx.now();
    switch (ev.kind) {
        case ChipOpDoneEvent::kKind: {
            const auto e = ev.as<ChipOpDoneEvent>();
            chips_[e.chip].on_op_done(e.msg, now, out_);
            break;
        }
        case ChipActivationEvent::kKind: {
            const auto e = ev.as<ChipActivationEvent>();
            if (local(e.chip) < chips_.size()) {
                chips_[local(e.chip)].on_activation(e.msg, now, out_);
            } else {
                pass_on(e.chip, e.msg, now);
            }
            break;
        }
        case ChipChunkEvent::kKind: {
            const auto e = ev.as<ChipChunkEvent>();
            if (local(e.chip) < chips_.size()) {
                chips_[local(e.chip)].on_reduce_chunk(e.msg, now, out_);
            } else {
                pass_on(e.chip, e.msg, now);
            }
            break;
        }
        default:
            return false;
    }
    flush(ctx);
    return true;
}

void ReplicaChips::flush(des::Context& ctx) {
    const LpId self = ctx.self();
    for (const cluster::Outgoing& o : out_) {
        // A message may pass through a chip outside the replica on its route (a torus); it
        // stays the replica's event and that chip's links pass it on (pass_on).
        const std::uint32_t chip = o.dst;
        LTDES_ASSERT(std::holds_alternative<cluster::OpDoneMsg>(o.msg) || chip < plan_.chips(),
                     "replica {}: message to node {}", replica_, o.dst);
        if (const auto* d = std::get_if<cluster::OpDoneMsg>(&o.msg)) {
            ctx.send(self, o.delay, ChipOpDoneEvent{*d, local(o.dst)});
        } else if (const auto* a = std::get_if<cluster::ActivationMsg>(&o.msg)) {
            ctx.send(self, o.delay, ChipActivationEvent{*a, chip});
        } else {
            ctx.send(self, o.delay, ChipChunkEvent{std::get<cluster::ReduceChunkMsg>(o.msg), chip});
        }
    }
    out_.clear();
}

template <typename Msg>
void ReplicaChips::pass_on(std::uint32_t chip, const Msg& msg, SimTime now) {
    LTDES_ASSERT(msg.final_dst != chip, "replica {}: message for chip {} outside it", replica_,
                 chip);
    cluster::ChipNetwork& net = relays_.try_emplace(chip, topology_, chip).first->second;
    const cluster::ChipNetwork::Hop hop = net.send(msg.final_dst, msg.bytes, now);
    out_.push_back(cluster::Outgoing{hop.to, hop.delay, msg});
}

bool ReplicaChips::finished() const {
    for (const cluster::ChipModel& c : chips_) {
        if (!c.finished()) {
            return false;
        }
    }
    return true;
}

SimTime ReplicaChips::resume_time() const {
    const std::uint32_t tp = plan_.tp();
    const std::uint32_t pp = plan_.pp();
    SimTime at;
    for (std::uint32_t t = 0; t < tp; ++t) {
        const std::uint32_t last = first_chip_ + (pp - 1) * tp + t;
        SimTime back = chips_[local(last)].totals().last_end;
        if (pp > 1 && emitting_ > 0) {
            back += cluster::p2p_cost(topology_, last, first_chip_ + t, 4 * emitting_).time;
        }
        at = std::max(at, back);
    }
    for (const cluster::ChipModel& c : chips_) {
        at = std::max(at, c.totals().last_end);
    }
    return at;
}

EnergyPj ReplicaChips::energy() const {
    EnergyPj e;
    for (const cluster::ChipModel& c : chips_) {
        e += c.totals().energy;
    }
    const std::uint32_t tp = plan_.tp();
    const std::uint32_t pp = plan_.pp();
    if (pp > 1 && emitting_ > 0) {
        for (std::uint32_t t = 0; t < tp; ++t) {
            const std::uint32_t last = first_chip_ + (pp - 1) * tp + t;
            e[EnergyComponent::link] +=
                cluster::p2p_cost(topology_, last, first_chip_ + t, 4 * emitting_).energy_pj;
        }
    }
    return e;
}

}  // namespace ltdes::serving
