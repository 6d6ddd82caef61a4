// SPDX-License-Identifier: MIT
#include "ltdes/serving/replica_scheduler.hpp"

#include "ltdes/core/assert.hpp"

#include <algorithm>
#include <limits>

namespace ltdes::serving {

ReplicaScheduler::ReplicaScheduler(const ServingSpec& spec, std::uint64_t kv_capacity_blocks)
    : spec_(spec), kv_(kv_capacity_blocks, spec.kv_block_tokens) {}

std::uint32_t ReplicaScheduler::add(const trace::RequestRecord& r, SimTime now) {
    std::uint32_t slot = 0;
    if (free_slots_.empty()) {
        slot = static_cast<std::uint32_t>(states_.size());
        states_.emplace_back();
    } else {
        slot = free_slots_.back();
        free_slots_.pop_back();
    }
    RequestState& s = states_[slot];
    s = RequestState{};
    s.record = r;
    s.dispatched = now;
    waiting_.push_back(slot);
    return slot;
}

void ReplicaScheduler::admit(std::uint32_t slot, SimTime now) {
    RequestState& s = states_[slot];
    if (s.scheduled < SimTime::zero()) {
        s.scheduled = now;
    }
    s.running = true;
    s.cached = 0;
    s.prefill_target = s.record.prompt_tokens + s.generated;
    running_.push_back(slot);
}

void ReplicaScheduler::preempt_last() {
    LTDES_ASSERT(!running_.empty(), "preemption with nothing running");
    const std::uint32_t victim = running_.back();
    running_.pop_back();
    RequestState& s = states_[victim];
    kv_.release(s.blocks);
    s.blocks = 0;
    s.cached = 0;
    s.running = false;
    ++s.preemptions;
    ++preemptions_;
    waiting_.push_front(victim);
}

void ReplicaScheduler::plan_decodes(IterationPlan& plan, std::uint64_t& budget) {
    for (std::size_t i = 0; i < running_.size(); ++i) {
        const std::uint32_t slot = running_[i];
        RequestState& s = states_[slot];
        if (s.cached < s.prefill_target) {
            continue;  // still prefilling (chunked mode)
        }
        if (budget == 0) {
            break;
        }
        // Room for the KV of the token fed this step; evict the newest until there is.
        bool preempted = false;
        while (!kv_.can_grow(s.blocks, s.cached + 1)) {
            const bool self = running_.back() == slot;
            preempt_last();
            if (self) {
                preempted = true;
                break;
            }
        }
        if (preempted) {
            break;  // it was the newest: nothing after it runs
        }
        s.blocks = kv_.grow(s.blocks, s.cached + 1);
        plan.slices.push_back(BatchSlice{slot, 1, s.cached, false, true});
        ++plan.decode_tokens;
        --budget;
    }
}

void ReplicaScheduler::plan_prefills(IterationPlan& plan,
                                     std::uint64_t& budget,
                                     SimTime now,
                                     bool chunked) {
    // Running requests part-way through their prefill (chunked mode only).
    for (const std::uint32_t slot : running_) {
        RequestState& s = states_[slot];
        if (budget == 0 || s.cached >= s.prefill_target) {
            continue;
        }
        const std::uint64_t chunk = std::min(s.prefill_target - s.cached, budget);
        if (!kv_.can_grow(s.blocks, s.cached + chunk)) {
            continue;
        }
        s.blocks = kv_.grow(s.blocks, s.cached + chunk);
        plan.slices.push_back(
            BatchSlice{slot, chunk, s.cached, true, s.cached + chunk == s.prefill_target});
        plan.prefill_tokens += chunk;
        budget -= chunk;
    }
    // Waiting requests, first come first served: stop at the first that does not fit.
    while (!waiting_.empty() && budget > 0 && running_.size() < spec_.max_batch) {
        const std::uint32_t slot = waiting_.front();
        const RequestState& w = states_[slot];
        const std::uint64_t target = w.record.prompt_tokens + w.generated;
        const std::uint64_t chunk = chunked ? std::min(target, budget) : target;
        if (chunk > budget || !kv_.can_grow(0, chunk)) {
            break;
        }
        waiting_.pop_front();
        admit(slot, now);
        RequestState& s = states_[slot];
        s.blocks = kv_.grow(0, chunk);
        plan.slices.push_back(BatchSlice{slot, chunk, 0, true, chunk == target});
        plan.prefill_tokens += chunk;
        budget -= chunk;
    }
}

IterationPlan ReplicaScheduler::next(SimTime now) {
    IterationPlan plan;
    next(now, plan);
    return plan;
}

void ReplicaScheduler::next(SimTime now, IterationPlan& plan) {
    plan.slices.clear();
    plan.prefill_tokens = 0;
    plan.decode_tokens = 0;
    std::uint64_t budget = spec_.max_batched_tokens;
    if (spec_.scheduler == SchedulerMode::static_batch) {
        if (running_.empty()) {
            plan_prefills(plan, budget, now, false);
        }
        if (plan.empty()) {
            plan_decodes(plan, budget);
        }
    } else if (spec_.chunked_prefill) {
        plan_decodes(plan, budget);
        plan_prefills(plan, budget, now, true);
    } else {
        plan_prefills(plan, budget, now, false);
        if (plan.empty()) {
            plan_decodes(plan, budget);
        }
    }
    plan.kv_blocks = kv_.used();
}

bool ReplicaScheduler::runs_plainly_alone(const ServingSpec& spec,
                                          const KvBlockManager& kv,
                                          const trace::RequestRecord& r) {
    return r.prompt_tokens > 0 && r.decode_tokens > 0 && spec.max_batch > 0 &&
           r.prompt_tokens <= spec.max_batched_tokens &&
           r.decode_tokens <= std::numeric_limits<std::uint64_t>::max() - r.prompt_tokens &&
           kv.blocks_for(r.prompt_tokens + r.decode_tokens - 1) <= kv.capacity();
}

void ReplicaScheduler::finish(const IterationPlan& plan,
                              SimTime end,
                              double energy_pj,
                              std::vector<RequestState>& done) {
    const double tokens = static_cast<double>(plan.prefill_tokens + plan.decode_tokens);
    for (const BatchSlice& b : plan.slices) {
        RequestState& s = states_[b.slot];
        LTDES_ASSERT(s.running, "iteration finished for request {} which is not running",
                     s.record.id);
        s.cached += b.tokens;
        s.energy_pj += energy_pj * static_cast<double>(b.tokens) / tokens;
        if (!b.emits) {
            continue;
        }
        ++s.generated;
        if (s.generated == 1) {
            s.first_token = end;
        }
        if (s.generated == s.record.decode_tokens) {
            s.completion = end;
            s.running = false;
            kv_.release(s.blocks);
            s.blocks = 0;
            running_.erase(std::find(running_.begin(), running_.end(), b.slot));
            done.push_back(s);
            free_slots_.push_back(b.slot);
        }
    }
}

}  // namespace ltdes::serving
