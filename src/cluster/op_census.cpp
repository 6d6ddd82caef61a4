// SPDX-License-Identifier: MIT
#include "ltdes/cluster/op_census.hpp"

#include "ltdes/cluster/collective.hpp"
#include "ltdes/cluster/op_shard.hpp"

#include <algorithm>

namespace ltdes::cluster {

OpCensus::OpCensus(const Plan& plan)
    : plan_(plan), stage_ops_(plan.pp(), 0), stage_all_reduces_(plan.pp(), 0) {}

void OpCensus::add(const workload::Op& op) {
    ++logical_ops_;
    if (!seen_any_ || op.phase != last_phase_ || op.step != last_step_) {
        // A pass is a maximal run of ops with one (phase, step); traces list passes in order.
        ++passes_;
        seen_any_ = true;
        last_phase_ = op.phase;
        last_step_ = op.step;
    }
    const std::uint32_t stage = stage_of_op(op, plan_);
    ++stage_ops_[stage];
    if (plan_.tp() > 1) {
        const TpRole role = tp_role(op);
        if (role == TpRole::attn_out || role == TpRole::ffn_out) {
            ++stage_all_reduces_[stage];
        }
    }
}

namespace {

/// Micro-batches with at least one request, over all replicas: each runs every op of a pass.
std::uint64_t busy_microbatches(const Plan& plan) {
    std::uint64_t n = 0;
    for (std::uint32_t d = 0; d < plan.dp(); ++d) {
        const std::uint32_t requests = plan.requests(d).count;
        n += requests < plan.microbatches() ? requests : plan.microbatches();
    }
    return n;
}

}  // namespace

std::uint64_t OpCensus::op_instances() const {
    return logical_ops_ * plan_.tp() * busy_microbatches(plan_);
}

std::uint64_t OpCensus::all_reduce_instances() const {
    std::uint64_t sum = 0;
    for (const std::uint64_t n : stage_all_reduces_) {
        sum += n;
    }
    return sum * busy_microbatches(plan_);
}

std::uint64_t OpCensus::pipeline_transfers() const {
    return passes_ * (plan_.pp() - 1) * plan_.tp() * busy_microbatches(plan_);
}

std::uint64_t OpCensus::expected_events(const Topology& topology,
                                        const CollectiveSpec& collective) const {
    const std::uint32_t p = plan_.tp();
    const auto schedule =
        p > 1 ? all_reduce_schedule(topology, collective, p, p) : std::vector<CollectiveMessage>{};
    std::uint64_t events = op_instances();
    for (std::uint32_t d = 0; d < plan_.dp(); ++d) {
        const std::uint32_t requests = plan_.requests(d).count;
        const std::uint64_t mbs = std::min(requests, plan_.microbatches());
        for (std::uint32_t s = 0; s < plan_.pp(); ++s) {
            const auto chip = [&](std::uint32_t stage, std::uint32_t t) {
                return plan_.chip(ChipCoord{d, stage, t});
            };
            std::uint64_t hops = 0;
            for (const CollectiveMessage& m : schedule) {
                // A bus broadcast is one event at each reader.
                hops += m.all_readers ? p - 1 : topology.hops(chip(s, m.src), chip(s, m.dst));
            }
            events += stage_all_reduces_[s] * mbs * hops;
            for (std::uint32_t t = 0; t < p; ++t) {
                if (s + 1 < plan_.pp()) {
                    events += passes_ * mbs * topology.hops(chip(s, t), chip(s + 1, t));
                } else if (plan_.pp() > 1 && passes_ > 0) {
                    events += (passes_ - 1) * mbs * topology.hops(chip(s, t), chip(0, t));
                }
            }
        }
    }
    return events;
}

}  // namespace ltdes::cluster
