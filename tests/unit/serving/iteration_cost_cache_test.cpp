// SPDX-License-Identifier: MIT
// The cache must answer exactly what the cost model answers (it is a table of the model's own
// results): for every composition, in any order of its requests, cold or warm, before and after
// the table is emptied for capacity. Order does not matter because the ops group requests by
// shape; the second model below recomputes every value independently of the cache.
#include "ltdes/serving/iteration_cost_cache.hpp"

#include "serving_fixture.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ltdes::serving {
namespace {

void expect_same(const IterationCost& got, const IterationCost& want, const std::string& where) {
    ASSERT_EQ(got.stages.size(), want.stages.size()) << where;
    for (std::size_t s = 0; s < want.stages.size(); ++s) {
        EXPECT_EQ(got.stages[s].duration, want.stages[s].duration) << where << " stage " << s;
        EXPECT_EQ(got.stages[s].transfer, want.stages[s].transfer) << where << " stage " << s;
        for (std::size_t i = 0; i < kNumEnergyComponents; ++i) {
            // Bitwise: the same sums in the same order.
            EXPECT_EQ(got.stages[s].energy.pj[i], want.stages[s].energy.pj[i])
                << where << " stage " << s << " component " << i;
        }
    }
    EXPECT_EQ(got.feedback, want.feedback) << where;
}

// gpt2 on a ring with tp 4 × pp 2 × dp 2 (the ranks run side by side, transfers and feedback
// are non-zero) with 2 MiB of SRAM (cold and warm iterations differ).
TEST(IterationCostCache, AnswersWhatTheModelAnswersInAnyOrder) {
    fixture::Served s("gpt2", 4, 2, 2, cluster::TopologyKind::ring);
    const cluster::Topology topo(s.spec, s.plan->chips(), s.plan->tp());
    const auto sram = [](std::uint32_t) { return std::uint64_t{2} << 20; };
    // The run command's cost function (weight streams on the DRAM channel, which resident
    // weights skip after the first iteration).
    const photonic::MemorySpec mem;
    const cluster::OpCostFn cost = [&](const workload::Op& op) {
        return cluster::op_timing(op, s.model->cost(op, mem), mem);
    };
    const auto make = [&] {
        return IterationCostModel(
            *s.plan, topo, 1, 4, s.spec.overlap, [&](std::uint32_t) { return cost; },
            [](std::uint32_t) { return 0U; }, sram);
    };
    const IterationCostModel reference = make();
    IterationCostCache cache(make(), 3);  // small: the table is emptied along the way

    const std::vector<std::vector<SliceShape>> batches = {
        {{1, 40, true}},
        {{24, 0, true}},
        {{1, 40, true}, {7, 0, false}, {1, 12, true}},
        {{7, 0, false}, {1, 12, true}, {1, 40, true}},  // the same composition reordered
        {{1, 12, true}, {1, 40, true}, {7, 0, false}},
        {{1, 12, true}, {1, 12, true}},
        {{1, 12, false}, {1, 12, true}},  // differs from the previous one in `emits` only
        {{1, 40, true}},
        {{24, 0, true}},
    };
    std::uint64_t lookups = 0;
    for (const bool cold : {true, false, true}) {
        for (std::size_t b = 0; b < batches.size(); ++b) {
            const std::string where = fmt::format("batch {} cold {}", b, cold);
            expect_same(cache.cost(batches[b], cold), reference.cost(batches[b], cold), where);
            ++lookups;
        }
    }
    EXPECT_EQ(cache.hits() + cache.misses(), lookups);
    // Batches 3 and 4 repeat batch 2 right after it (its entry is still there), so at least
    // two hits per pass whatever the emptying does.
    EXPECT_GE(cache.hits(), 6U);
    // Cold and warm iterations differ here (resident weights), so the flag is part of the key.
    EXPECT_NE(reference.cost(batches[0], true).energy_pj(),
              reference.cost(batches[0], false).energy_pj());
}

}  // namespace
}  // namespace ltdes::serving
