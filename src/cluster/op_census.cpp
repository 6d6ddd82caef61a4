// SPDX-License-Identifier: MIT
#include "ltdes/cluster/op_census.hpp"

#include "ltdes/cluster/op_shard.hpp"

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

std::uint64_t OpCensus::expected_events(TopologyKind topology) const {
    if (topology == TopologyKind::bus) {
        return 0;
    }
    const std::uint64_t p = plan_.tp();
    const std::uint64_t chunks = all_reduce_instances() * 2 * (p - 1) * p;
    const std::uint64_t boundaries = plan_.pp() - 1;
    const std::uint64_t transfers = pipeline_transfers();
    const std::uint64_t feedback =
        (boundaries == 0 || passes_ == 0) ? 0 : transfers / boundaries / passes_ * (passes_ - 1);
    return op_instances() + chunks + transfers + feedback;
}

}  // namespace ltdes::cluster
