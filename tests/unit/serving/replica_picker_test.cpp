// SPDX-License-Identifier: MIT
// The router's replica choice, by hand: 3 replicas, the same picks and completions under each
// policy.
#include "ltdes/serving/replica_picker.hpp"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace ltdes::serving
