// SPDX-License-Identifier: MIT
// The router's replica choice, by hand: 3 replicas, the same picks and completions under each
// policy.
#include "ltdes/serving/replica_picker.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

namespace ltdes::serving {
namespace {

/// Seven picks with a completion from replica 1 after the second; -1 marks that completion.
std::vector<int> run(RouterPolicy policy) {
    ReplicaPicker p(3, policy);
    std::vector<int> got;
    for (int step = 0; step < 7; ++step) {
        if (step == 2) {
            p.complete(1);
            got.push_back(-1);
        }
        got.push_back(static_cast<int>(p.pick()));
    }
    return got;
}

// Outstanding counts [r0, r1, r2] and the replica after the previous pick (where the scan for
// the first minimum starts):
//   [0,0,0] from 0 -> 0;  [1,0,0] from 1 -> 1;  complete(1): [1,0,0]
//   [1,0,0] from 2 -> 2 (r1 ties, not lower);  [1,0,1] from 0 -> 1;  [1,1,1] from 2 -> 2
//   [1,1,2] from 0 -> 0;  [2,1,2] from 1 -> 1
TEST(ReplicaPicker, LeastOutstandingGivesTiesInTurn) {
    EXPECT_EQ(run(RouterPolicy::least_outstanding), (std::vector<int>{0, 1, -1, 2, 1, 2, 0, 1}));
}

// The scan always starts at replica 0: [0,0,0] -> 0, [1,0,0] -> 1, complete(1), [1,0,0] -> 1,
// [1,1,0] -> 2, [1,1,1] -> 0, [2,1,1] -> 1, [2,2,1] -> 2.
TEST(ReplicaPicker, LowestIdGivesTiesToReplicaZero) {
    EXPECT_EQ(run(RouterPolicy::least_outstanding_lowest_id),
              (std::vector<int>{0, 1, -1, 1, 2, 0, 1, 2}));
}

// Round robin ignores the counts: the i-th pick goes to i mod 3.
TEST(ReplicaPicker, RoundRobinIgnoresCompletions) {
    EXPECT_EQ(run(RouterPolicy::round_robin), (std::vector<int>{0, 1, -1, 2, 0, 1, 2, 0}));
}

// Idle replicas (every request completes before the next): least_outstanding takes them in
// turn, the lowest-id variant sends everything to replica 0.
TEST(ReplicaPicker, IdleReplicasTakeTurns) {
    ReplicaPicker turns(4, RouterPolicy::least_outstanding);
    ReplicaPicker lowest(4, RouterPolicy::least_outstanding_lowest_id);
    for (std::uint32_t i = 0; i < 9; ++i) {
        const std::uint32_t r = turns.pick();
        EXPECT_EQ(r, i % 4);
        turns.complete(r);
        EXPECT_EQ(lowest.pick(), 0U);
        lowest.complete(0);
    }
}

// A restart continues where the saved cursor and counts left off.
TEST(ReplicaPicker, RestoreContinuesTheTurns) {
    ReplicaPicker a(3, RouterPolicy::least_outstanding);
    a.pick();
    a.pick();
    ReplicaPicker b(3, RouterPolicy::least_outstanding);
    b.restore(a.outstanding(), a.cursor());
    EXPECT_EQ(b.pick(), 2U);  // [1,1,0] from 2
    EXPECT_EQ(b.pick(), 0U);  // [1,1,1] from 0
}

// certain_pick() is what pick() returns whatever completions come first, or -1. Ties in turn,
// 3 replicas: [0,0,0] from 0 -> certain 0 (nothing is lower than 0, and ties go to the scan's
// first); pick -> [1,0,0] from 1 -> certain 1; pick -> [1,1,0] from 2 -> certain 2; pick ->
// [1,1,1] from 0: replica 0 may complete first (then 0) or not (then 0 too, the first of
// equals) but replica 1 completing alone would give 1: uncertain.
TEST(ReplicaPicker, CertainPickIsTheScansFirstReplicaWhenIdle) {
    ReplicaPicker p(3, RouterPolicy::least_outstanding);
    for (std::int64_t r = 0; r < 3; ++r) {
        EXPECT_EQ(p.certain_pick(), r);
        EXPECT_EQ(static_cast<std::int64_t>(p.pick()), r);
    }
    EXPECT_EQ(p.certain_pick(), -1);
    p.complete(0);  // [0,1,1] from 0: certain again
    EXPECT_EQ(p.certain_pick(), 0);
}

// Lowest id: the scan starts at 0, so only an idle replica 0 is certain. Round robin needs no
// counts: always certain.
TEST(ReplicaPicker, CertainPickUnderTheOtherPolicies) {
    ReplicaPicker low(2, RouterPolicy::least_outstanding_lowest_id);
    EXPECT_EQ(low.certain_pick(), 0);
    low.pick();  // [1,0]
    EXPECT_EQ(low.certain_pick(), -1);
    ReplicaPicker rr(2, RouterPolicy::round_robin);
    rr.pick();
    rr.pick();
    EXPECT_EQ(rr.certain_pick(), 0);  // [1,1], and the turn is 0's whatever completes
}

// Whatever subset of the outstanding requests completes before the next pick, pick() agrees
// with a certain pick made before those completions: every state of 3 replicas with up to 2
// outstanding each, every cursor, every set of completions.
TEST(ReplicaPicker, ACertainPickNeverDependsOnCompletions) {
    for (std::uint64_t cursor = 0; cursor < 3; ++cursor) {
        for (int code = 0; code < 27; ++code) {
            const std::vector<std::uint64_t> counts = {static_cast<std::uint64_t>(code % 3),
                                                       static_cast<std::uint64_t>(code / 3 % 3),
                                                       static_cast<std::uint64_t>(code / 9)};
            ReplicaPicker before(3, RouterPolicy::least_outstanding);
            before.restore(counts, cursor);
            const std::int64_t certain = before.certain_pick();
            if (certain < 0) {
                continue;
            }
            for (int done = 0; done < 27; ++done) {
                std::vector<std::uint64_t> after = counts;
                const int drop[3] = {done % 3, done / 3 % 3, done / 9};
                bool possible = true;
                for (std::size_t r = 0; r < 3; ++r) {
                    possible = possible && after[r] >= static_cast<std::uint64_t>(drop[r]);
                    after[r] -= possible ? static_cast<std::uint64_t>(drop[r]) : 0;
                }
                if (!possible) {
                    continue;
                }
                ReplicaPicker later(3, RouterPolicy::least_outstanding);
                later.restore(after, cursor);
                EXPECT_EQ(static_cast<std::int64_t>(later.pick()), certain)
                    << "cursor " << cursor << " counts " << code << " completions " << done;
            }
        }
    }
}

/// The rule as the documentation states it, by a scan of every replica: the fewest
/// outstanding, ties to the first in scan order (from the replica after the previous pick, or
/// from 0 for the lowest-id variant); round robin takes the scan's first replica.
std::uint32_t pick_by_scan(const std::vector<std::uint64_t>& counts,
                           std::uint64_t cursor,
                           RouterPolicy policy) {
    const auto n = static_cast<std::uint32_t>(counts.size());
    const auto start = static_cast<std::uint32_t>(
        policy == RouterPolicy::least_outstanding_lowest_id ? 0 : cursor % n);
    if (policy == RouterPolicy::round_robin) {
        return start;
    }
    std::uint32_t best = start;
    for (std::uint32_t k = 1; k < n; ++k) {
        const std::uint32_t r = (start + k) % n;
        if (counts[r] < counts[best]) {
            best = r;
        }
    }
    return best;
}

// The tree of minima picks what a scan of every replica picks: random picks and completions
// on replica counts that are and are not powers of two, under each policy.
TEST(ReplicaPicker, PicksWhatAScanOfEveryReplicaPicks) {
    std::mt19937_64 rng(7);
    for (const std::uint32_t n : {1U, 2U, 3U, 5U, 8U, 13U, 64U, 100U, 1000U}) {
        for (const RouterPolicy policy :
             {RouterPolicy::least_outstanding, RouterPolicy::least_outstanding_lowest_id,
              RouterPolicy::round_robin}) {
            ReplicaPicker p(n, policy);
            std::vector<std::uint64_t> counts(n, 0);
            std::uint64_t cursor = 0;
            for (int step = 0; step < 4000; ++step) {
                // Mostly picks, so that counts grow and ties and minima move around.
                if (rng() % 3 == 0) {
                    const auto r = static_cast<std::uint32_t>(rng() % n);
                    if (counts[r] > 0) {
                        p.complete(r);
                        --counts[r];
                    }
                    continue;
                }
                const std::uint32_t want = pick_by_scan(counts, cursor, policy);
                ASSERT_EQ(p.pick(), want) << "replicas " << n << " step " << step;
                ++counts[want];
                cursor = want + 1;
                ASSERT_EQ(p.outstanding(), counts);
            }
        }
    }
}

}  // namespace
}  // namespace ltdes::serving
