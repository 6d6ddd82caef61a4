// SPDX-License-Identifier: MIT
#include "ltdes/serving/replica_picker.hpp"

#include "ltdes/core/assert.hpp"

#include <utility>

namespace ltdes::serving {

ReplicaPicker::ReplicaPicker(std::uint32_t replicas, RouterPolicy policy)
    : outstanding_(replicas, 0), policy_(policy) {
    LTDES_ASSERT(replicas > 0, "a router needs at least one replica");
}

std::uint32_t ReplicaPicker::scan_start() const {
    const auto n = static_cast<std::uint32_t>(outstanding_.size());
    return static_cast<std::uint32_t>(
        policy_ == RouterPolicy::least_outstanding_lowest_id ? 0 : cursor_ % n);
}

std::int64_t ReplicaPicker::certain_pick() const {
    const std::uint32_t start = scan_start();
    if (policy_ == RouterPolicy::round_robin || outstanding_[start] == 0) {
        return start;
    }
    return -1;
}

std::uint32_t ReplicaPicker::pick() {
    const auto n = static_cast<std::uint32_t>(outstanding_.size());
    const std::uint32_t start = scan_start();
    std::uint32_t best = start;
    if (policy_ != RouterPolicy::round_robin) {
        for (std::uint32_t k = 1; k < n; ++k) {
            const std::uint32_t r = start + k < n ? start + k : start + k - n;
            if (outstanding_[r] < outstanding_[best]) {
                best = r;
            }
        }
    }
    ++outstanding_[best];
    cursor_ = best + 1;
    return best;
}

void ReplicaPicker::complete(std::uint32_t replica) {
    LTDES_ASSERT(replica < outstanding_.size() && outstanding_[replica] > 0,
                 "completion from idle replica {}", replica);
    --outstanding_[replica];
}

void ReplicaPicker::restore(std::vector<std::uint64_t> outstanding, std::uint64_t cursor) {
    outstanding_ = std::move(outstanding);
    cursor_ = cursor;
}

}  // namespace ltdes::serving
