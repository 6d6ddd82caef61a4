// SPDX-License-Identifier: MIT
#include "ltdes/serving/replica_picker.hpp"

#include "ltdes/core/assert.hpp"

#include <algorithm>
#include <cstddef>
#include <limits>
#include <utility>

namespace ltdes::serving {

ReplicaPicker::ReplicaPicker(std::uint32_t replicas, RouterPolicy policy)
    : outstanding_(replicas, 0), policy_(policy) {
    LTDES_ASSERT(replicas > 0, "a router needs at least one replica");
    rebuild();
}

void ReplicaPicker::rebuild() {
    leaves_ = 1;
    while (leaves_ < outstanding_.size()) {
        leaves_ *= 2;
    }
    min_.assign(std::size_t{2} * leaves_, std::numeric_limits<std::uint64_t>::max());
    std::copy(outstanding_.begin(), outstanding_.end(),
              min_.begin() + static_cast<std::ptrdiff_t>(leaves_));
    for (std::size_t k = leaves_ - 1; k >= 1; --k) {
        min_[k] = std::min(min_[2 * k], min_[2 * k + 1]);
    }
}

void ReplicaPicker::set(std::uint32_t r, std::uint64_t count) {
    outstanding_[r] = count;
    std::size_t k = leaves_ + r;
    min_[k] = count;
    for (k /= 2; k >= 1; k /= 2) {
        min_[k] = std::min(min_[2 * k], min_[2 * k + 1]);
    }
}

std::uint32_t ReplicaPicker::first_at_most(std::uint32_t from, std::uint64_t m) const {
    const auto n = static_cast<std::uint32_t>(outstanding_.size());
    // Up from the leaf `from` until a right sibling (wholly after `from`) holds a count <= m,
    // then down to its leftmost such leaf.
    std::size_t k = leaves_ + from;
    if (min_[k] > m) {
        while (true) {
            if (k == 1) {
                return n;
            }
            if (k % 2 == 0 && min_[k + 1] <= m) {
                k = k + 1;
                break;
            }
            k /= 2;
        }
        while (k < leaves_) {
            k = min_[2 * k] <= m ? 2 * k : 2 * k + 1;
        }
    }
    const auto r = static_cast<std::uint32_t>(k - leaves_);
    return r < n ? r : n;
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
        // The first minimum in scan order: at or after the start, else from replica 0.
        const std::uint64_t least = min_[1];
        best = first_at_most(start, least);
        if (best == n) {
            best = first_at_most(0, least);
        }
    }
    set(best, outstanding_[best] + 1);
    cursor_ = best + 1;
    return best;
}

void ReplicaPicker::complete(std::uint32_t replica) {
    LTDES_ASSERT(replica < outstanding_.size() && outstanding_[replica] > 0,
                 "completion from idle replica {}", replica);
    set(replica, outstanding_[replica] - 1);
}

void ReplicaPicker::restore(std::vector<std::uint64_t> outstanding, std::uint64_t cursor) {
    outstanding_ = std::move(outstanding);
    cursor_ = cursor;
    rebuild();
}

}  // namespace ltdes::serving
