// SPDX-License-Identifier: MIT
// Costing lone requests ahead across real MPI ranks: the ranks split the distinct one-request
// compositions between them, and afterwards every rank's cache knows the duration of every
// request that runs plainly alone, with the model's own values.
#include "serving_fixture.hpp"
#include "support/mpi_test_session.hpp"

#include "ltdes/dist/mpi_transport.hpp"
#include "ltdes/serving/lone_costs_ahead.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <memory>
#include <numeric>
#include <vector>

namespace ltdes::serving {
namespace {

trace::RequestRecord request(std::uint64_t id, std::uint64_t prompt, std::uint64_t decode) {
    return trace::RequestRecord{id, SimTime::from_ps(static_cast<std::int64_t>(id)), prompt,
                                decode};
}

TEST(LoneCostsAhead, EveryRankKnowsEveryLoneRequestAfterComputingItsShare) {
    dist::MpiTransport transport(ltdes::test_support::mpi_session());
    const auto me = static_cast<std::size_t>(to_underlying(transport.rank()));
    const auto n = static_cast<std::size_t>(transport.size());
    const fixture::RingCosts ring;
    const auto make = [&] { return ring.model(); };
    const std::vector<std::uint64_t> key = ring.key();
    CostCaches caches;
    caches[key] = std::make_shared<IterationCostCache>(make());
    // A cache whose key no replica has: nothing to cost for it, and it breaks nothing.
    caches[{me + 1000U}] = std::make_shared<IterationCostCache>(make());

    ServingSpec spec;
    spec.max_batched_tokens = 64;
    // Prefills of 20 and 33 tokens; decode steps at contexts 20, 21, 22 (request 0; request 1
    // needs 20 only) and 33, 34 (request 2): 2 + 5 distinct compositions. Request 3's prompt
    // does not fit one iteration (not plain): its 100-token prefill is left to the run.
    const std::vector<trace::RequestRecord> requests = {request(0, 20, 4), request(1, 20, 2),
                                                        request(2, 33, 3), request(3, 100, 2)};
    const std::vector<KvBlockManager> kv(2, KvBlockManager(1000, spec.kv_block_tokens));
    const std::vector<std::vector<std::uint64_t>> keys(2, key);

    const LoneCostsAhead done =
        cost_lone_requests_ahead(requests, spec, kv, keys, caches, transport);
    // Each rank a contiguous share of each kind: prefills 2 and decode steps 5 split n ways.
    const auto share = [&](std::size_t total, std::size_t r) {
        return total * (r + 1) / n - total * r / n;
    };
    EXPECT_EQ(done.computed, share(2, me) + share(5, me));
    std::uint64_t all = 0;
    for (const std::uint64_t c : transport.all_gather(done.computed)) {
        all += c;
    }
    EXPECT_EQ(all, 7U);
    EXPECT_EQ(done.adopted, 7U - done.computed);
    EXPECT_GT(done.seconds, 0.0);
    EXPECT_EQ(caches.at({me + 1000U})->misses(), 0U);

    IterationCostCache& cache = *caches.at(key);
    const IterationCostModel reference = make();
    for (const trace::RequestRecord& r : requests) {
        const SliceShape prefill{r.prompt_tokens, 0, true};
        const auto got =
            cache.known_lone_duration(prefill, false, r.prompt_tokens, r.decode_tokens - 1);
        if (r.prompt_tokens > spec.max_batched_tokens) {
            EXPECT_FALSE(got) << "request " << r.id;
            continue;
        }
        SimTime want = reference.cost(std::array{prefill}, false).duration();
        for (std::uint64_t c = r.prompt_tokens; c < r.prompt_tokens + r.decode_tokens - 1; ++c) {
            want += reference.cost(std::array{SliceShape{1, c, true}}, false).duration();
        }
        ASSERT_TRUE(got) << "request " << r.id;
        EXPECT_EQ(*got, want) << "request " << r.id;
    }
    EXPECT_FALSE(cache.known_lone_duration(SliceShape{20, 0, true}, true, 20, 3));  // cold
}

}  // namespace
}  // namespace ltdes::serving
