// SPDX-License-Identifier: MIT
// The iteration-level scheduler of one replica (vLLM semantics): which requests run in the next
// model iteration, with how many tokens each, within the batch, token and KV-cache limits.
// Pure: no DES, no clock other than the times it is given.
#pragma once

#include "ltdes/core/sim_time.hpp"
#include "ltdes/des/state_bytes.hpp"
#include "ltdes/serving/kv_block_manager.hpp"
#include "ltdes/serving/serving_spec.hpp"
#include "ltdes/trace/request_record.hpp"

#include <cstdint>
#include <deque>
#include <vector>

namespace ltdes::serving {

/// One request's part of an iteration.
struct BatchSlice {
    std::uint32_t slot = 0;    ///< scheduler slot of the request
    std::uint64_t tokens = 0;  ///< tokens it feeds this iteration (prefill chunk, or 1 to decode)
    std::uint64_t cached = 0;  ///< tokens whose KV is already stored (attention context before)
    bool prefill = false;      ///< a prefill (or recompute) chunk rather than a decode step
    bool emits = false;        ///< produces a token at the end of the iteration
};

/// What the next iteration runs.
struct IterationPlan {
    std::vector<BatchSlice> slices;  ///< in scheduling order
    std::uint64_t prefill_tokens = 0;
    std::uint64_t decode_tokens = 0;
    std::uint64_t kv_blocks = 0;  ///< blocks in use once the iteration's tokens are placed

    bool empty() const { return slices.empty(); }
};

/// A request's life in a replica (a /requests row once it completes).
struct RequestState {
    trace::RequestRecord record;
    SimTime dispatched;                        ///< reached the replica
    SimTime scheduled = SimTime::from_ps(-1);  ///< first admitted into a batch
    SimTime first_token = SimTime::from_ps(-1);
    SimTime completion = SimTime::from_ps(-1);
    std::uint64_t cached = 0;          ///< tokens whose KV is stored
    std::uint64_t prefill_target = 0;  ///< tokens to prefill at this admission (prompt + generated)
    std::uint64_t generated = 0;
    std::uint64_t blocks = 0;
    std::uint32_t preemptions = 0;
    double energy_pj = 0.0;  ///< its token share of the energy of the iterations it ran in
    bool running = false;
};

/// FCFS admission with at most `max_batch` running requests and `max_batched_tokens` tokens per
/// iteration. Without chunked prefill an iteration is all prefills (waiting requests admitted
/// in order while their whole prompt fits the token budget and their blocks fit the cache) or,
/// when none can be admitted, one decode step of every running request. With chunked prefill
/// (Sarathi) every iteration first carries one decode token per running request, then
/// continues partial prefills, then admits waiting requests, each prefill chunk taking what is
/// left of the token budget. When a decode step needs a block and none is free, the most
/// recently admitted running request is preempted: its blocks are freed, it goes back to the
/// front of the queue and later recomputes its prompt and generated tokens. Static mode admits
/// only when nothing runs (a batch runs to completion).
class ReplicaScheduler {
public:
    ReplicaScheduler(const ServingSpec& spec, std::uint64_t kv_capacity_blocks);

    /// A request reaches the replica at `now`; returns its slot.
    std::uint32_t add(const trace::RequestRecord& r, SimTime now);

    /// Forms the next iteration at `now` (allocating its KV blocks); empty when nothing can run.
    IterationPlan next(SimTime now);

    /// The same into `plan`, reusing its storage (an allocation per iteration otherwise).
    void next(SimTime now, IterationPlan& plan);

    /// Whether `r`, added to this scheduler while it holds no request, runs as one prefill
    /// iteration of its whole prompt and then one decode step per further token, whatever the
    /// mode: its prompt fits one iteration's tokens and its largest context fits the cache.
    bool runs_plainly_alone(const trace::RequestRecord& r) const {
        return runs_plainly_alone(spec_, kv_, r);
    }

    /// The same for a scheduler of `spec` over the cache `kv` (the router asks it of replicas
    /// it does not hold).
    static bool runs_plainly_alone(const ServingSpec& spec,
                                   const KvBlockManager& kv,
                                   const trace::RequestRecord& r);

    /// The iteration ended at `end` and cost `energy_pj`: advances its requests and appends the
    /// ones that completed to `done` (their slots are freed).
    void finish(const IterationPlan& plan,
                SimTime end,
                double energy_pj,
                std::vector<RequestState>& done);

    const RequestState& state(std::uint32_t slot) const { return states_[slot]; }

    const KvBlockManager& kv() const { return kv_; }

    std::size_t waiting() const { return waiting_.size(); }

    std::size_t running() const { return running_.size(); }

    /// Preemptions so far.
    std::uint64_t preemptions() const { return preemptions_; }

    /// Checkpoints: requests, queues and KV use (replica_scheduler_checkpoint.cpp).
    void save(des::StateWriter& out) const;

    /// Restores what save() wrote; checks slots and KV use (SnapshotError).
    void restore(des::StateReader& in);

private:
    void preempt_last();
    void admit(std::uint32_t slot, SimTime now);
    /// Decode tokens of the running requests that finished their prefill (with preemption).
    void plan_decodes(IterationPlan& plan, std::uint64_t& budget);
    /// Prefill chunks of running requests, then of waiting ones, within `budget`.
    void plan_prefills(IterationPlan& plan, std::uint64_t& budget, SimTime now, bool chunked);

    ServingSpec spec_;
    KvBlockManager kv_;
    std::vector<RequestState> states_;
    std::vector<std::uint32_t> free_slots_;
    std::deque<std::uint32_t> waiting_;
    std::vector<std::uint32_t> running_;  ///< in admission order
    std::uint64_t preemptions_ = 0;
};

}  // namespace ltdes::serving
