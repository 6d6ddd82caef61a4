// SPDX-License-Identifier: MIT
// CostSharing across real MPI ranks: every rank costs its own compositions, then finds those
// of every other rank in its cache without running its model, with the model's own values.
// (The serving determinism tests show that runs do not change with sharing on.)
#include "serving_fixture.hpp"
#include "support/mpi_test_session.hpp"

#include "ltdes/dist/mpi_transport.hpp"
#include "ltdes/serving/cost_sharing.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <vector>

namespace ltdes::serving {
namespace {

// Rank r's compositions: a warm decode step at context 30 + r and a mixed batch.
std::vector<std::vector<SliceShape>> batches_of(std::uint32_t r) {
    return {{{1, 30 + r, true}}, {{1, 12, true}, {5 + r, 0, false}}};
}

TEST(CostSharing, EveryRankFindsTheCostsOfTheOthers) {
    dist::MpiTransport transport(ltdes::test_support::mpi_session());
    const auto me = static_cast<std::uint32_t>(to_underlying(transport.rank()));
    const auto n = static_cast<std::uint32_t>(transport.size());
    const fixture::RingCosts ring;
    const auto make = [&] { return ring.model(); };
    CostCaches caches;
    auto& cache = caches[ring.key()];
    cache = std::make_shared<IterationCostCache>(make());
    // A cache no other rank has (another key) gets nothing and breaks nothing.
    caches[{me + 1000U}] = std::make_shared<IterationCostCache>(make());

    CostSharing sharing(transport, caches);
    for (const auto& b : batches_of(me)) {
        cache->cost(b);
    }
    for (int w = 0; w < 15; ++w) {
        sharing.on_window();  // not yet the 16th window: nothing sent
    }
    EXPECT_EQ(sharing.sent(), 0U);
    sharing.on_window();
    EXPECT_EQ(sharing.sent(), batches_of(me).size());
    sharing.exchange();  // nothing new: sends nothing
    sharing.finish();
    EXPECT_EQ(sharing.sent(), batches_of(me).size());
    EXPECT_EQ(sharing.adopted(), (n - 1) * batches_of(me).size());
    EXPECT_EQ(cache->misses(), batches_of(me).size());

    const IterationCostModel reference = make();
    for (std::uint32_t r = 0; r < n; ++r) {
        for (const auto& b : batches_of(r)) {
            const IterationCost got = cache->cost(b);
            const IterationCost want = reference.cost(b);
            ASSERT_EQ(got.stages.size(), want.stages.size());
            for (std::size_t i = 0; i < want.stages.size(); ++i) {
                EXPECT_EQ(got.stages[i].duration, want.stages[i].duration) << r;
                EXPECT_EQ(got.stages[i].energy.total(), want.stages[i].energy.total()) << r;
            }
        }
    }
    EXPECT_EQ(cache->misses(), batches_of(me).size()) << "a shared cost was computed again";
}

}  // namespace
}  // namespace ltdes::serving
