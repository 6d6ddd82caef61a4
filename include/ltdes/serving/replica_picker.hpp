// SPDX-License-Identifier: MIT
// The router's choice of a replica for each arriving request (the policy alone; the router LP in
// serving_run.cpp does the timing and messages).
#pragma once

#include "ltdes/serving/serving_spec.hpp"

#include <cstdint>
#include <vector>

namespace ltdes::serving {

/// Picks a replica per routed request and keeps the outstanding count (dispatched, completion
/// notice not yet back) of every replica.
///
/// Ties under `least_outstanding` go round robin: the scan for the fewest outstanding starts at
/// the replica after the previous pick and takes the first minimum, as HAProxy's `leastconn`
/// does ("round-robin is performed within groups of servers of the same load"). So idle
/// replicas take turns instead of the lowest id taking every request of a light load.
/// `least_outstanding_lowest_id` keeps the first minimum from replica 0 (the former default).
///
/// A pick takes O(log replicas): the counts sit in a tree of minima, so the plan search can
/// replay thousands of requests over a thousand replicas (serving_plan_search.cpp).
class ReplicaPicker {
public:
    ReplicaPicker(std::uint32_t replicas, RouterPolicy policy);

    /// The replica for the next request; counts it as outstanding there.
    std::uint32_t pick();

    /// The replica pick() would return for a request arriving later, whatever completion
    /// notices come before it (they only lower counts), or -1 when those notices could change
    /// it: the scan's first replica when its count is 0 (nothing can be lower, and ties go to
    /// it). Lets the router dispatch ahead of its clock without changing any decision.
    std::int64_t certain_pick() const;

    /// A completion notice from `replica` arrived.
    void complete(std::uint32_t replica);

    const std::vector<std::uint64_t>& outstanding() const { return outstanding_; }

    /// Where the next scan starts (replica index, taken mod the replica count): the replica
    /// after the previous pick. Saved and restored by checkpoints.
    std::uint64_t cursor() const { return cursor_; }

    /// Restart: the saved counts and cursor (sizes checked by the caller).
    void restore(std::vector<std::uint64_t> outstanding, std::uint64_t cursor);

    /// The replica the next scan for the fewest outstanding starts at.
    std::uint32_t scan_start() const;

private:
    /// The minima from the counts.
    void rebuild();

    /// Sets replica r's count and the minima above it.
    void set(std::uint32_t r, std::uint64_t count);

    /// The first replica at or after `from` whose count is at most `m`, or the replica count
    /// when there is none.
    std::uint32_t first_at_most(std::uint32_t from, std::uint64_t m) const;

    std::vector<std::uint64_t> outstanding_;
    /// Minima over halves: node k covers its children 2k and 2k + 1; the leaves (replicas, then
    /// padding that never wins) start at leaves_.
    std::vector<std::uint64_t> min_;
    std::uint32_t leaves_ = 1;
    RouterPolicy policy_;
    std::uint64_t cursor_ = 0;
};

}  // namespace ltdes::serving
