// SPDX-License-Identifier: MIT
// ReplicaScheduler::save / restore: the one list of the scheduler's mutable fields (the spec is
// rebuilt from the inputs).
#include "ltdes/serving/replica_scheduler.hpp"

#include <type_traits>

namespace ltdes::serving {

static_assert(std::is_trivially_copyable_v<RequestState>);

void ReplicaScheduler::save(des::StateWriter& out) const {
    out.put(kv_.used());
    out.put(kv_.peak());
    out.put_vector(states_);
    out.put_vector(free_slots_);
    out.put_vector(std::vector<std::uint32_t>(waiting_.begin(), waiting_.end()));
    out.put_vector(running_);
    out.put(preemptions_);
}

void ReplicaScheduler::restore(des::StateReader& in) {
    const auto used = in.get<std::uint64_t>();
    const auto peak = in.get<std::uint64_t>();
    in.check(kv_.restore_usage(used, peak), "KV blocks in use beyond the replica's capacity");
    states_ = in.get_vector<RequestState>(std::uint64_t{1} << 32);
    const auto slots = states_.size();
    const auto check_slots = [&](const std::vector<std::uint32_t>& v) {
        for (const std::uint32_t s : v) {
            in.check(s < slots, "a scheduler slot is out of range");
        }
    };
    free_slots_ = in.get_vector<std::uint32_t>(slots);
    check_slots(free_slots_);
    const auto waiting = in.get_vector<std::uint32_t>(slots);
    check_slots(waiting);
    waiting_.assign(waiting.begin(), waiting.end());
    running_ = in.get_vector<std::uint32_t>(slots);
    check_slots(running_);
    preemptions_ = in.get<std::uint64_t>();
}

}  // namespace ltdes::serving
