// SPDX-License-Identifier: MIT
// The cache must answer exactly what the cost model answers (it is a table of the model's own
// results): for every composition, in any order of its requests, cold or warm, before and after
// the table is emptied for capacity. Order does not matter because the ops group requests by
// shape; the second model below recomputes every value independently of the cache.
#include "ltdes/serving/iteration_cost_cache.hpp"

#include "serving_fixture.hpp"

#include "ltdes/serving/replica_cost_key.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <array>
#include <string>
#include <thread>
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
// are non-zero; pp 1: no transfer, no feedback) with 2 MiB of SRAM (cold and warm iterations
// differ), costed with the run command's cost function (weight streams on the DRAM channel,
// which resident weights skip after the first iteration).
class RingReplicas {
public:
    explicit RingReplicas(std::uint32_t pp = 2)
        : s_{"gpt2", 4, pp, 2, cluster::TopologyKind::ring} {}

    RingReplicas(const RingReplicas&) = delete;
    RingReplicas& operator=(const RingReplicas&) = delete;

    IterationCostModel model(std::uint32_t replica) const {
        return IterationCostModel(
            *s_.plan, topo_, replica, 4, s_.spec.overlap, [this](std::uint32_t) { return cost_; },
            [](std::uint32_t) { return 0U; }, [](std::uint32_t) { return std::uint64_t{2} << 20; });
    }

private:
    fixture::Served s_;
    cluster::Topology topo_{s_.spec, s_.plan->chips(), s_.plan->tp()};
    photonic::MemorySpec mem_;
    cluster::OpCostFn cost_ = [this](const workload::Op& op) {
        return cluster::op_timing(op, s_.model->cost(op, mem_), mem_);
    };
};

TEST(IterationCostCache, AnswersWhatTheModelAnswersInAnyOrder) {
    const RingReplicas ring;
    const auto make = [&] { return ring.model(1); };
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
    // The replica's way: one IterationCost filled again and again (its storage reused).
    IterationCost reused;
    for (const bool cold : {true, false, true}) {
        for (std::size_t b = 0; b < batches.size(); ++b) {
            const std::string where = fmt::format("batch {} cold {}", b, cold);
            expect_same(cache.cost(batches[b], cold), reference.cost(batches[b], cold), where);
            cache.cost(batches[b], cold, reused);
            expect_same(reused, reference.cost(batches[b], cold), where + " (into)");
            lookups += 2;
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

// Replicas 0 and 1 of a 16-chip ring (chips 0-7 and 8-15) are the same up to a shift of the
// ids: equal keys. One cache built from replica 0's model, looked up from two threads at once
// (the LPs of a rank run on several), answers bit for bit what a fresh model of replica 1 does.
TEST(IterationCostCache, SharedByTwoReplicasFromTwoThreads) {
    fixture::Served s("gpt2", 4, 2, 2, cluster::TopologyKind::ring);
    const cluster::Topology topo(s.spec, s.plan->chips());
    const auto sram = [](std::uint32_t) { return std::uint64_t{2} << 20; };
    const photonic::MemorySpec mem;
    const cluster::OpCostFn cost = [&](const workload::Op& op) {
        return cluster::op_timing(op, s.model->cost(op, mem), mem);
    };
    const auto arch = [](std::uint32_t) { return 0U; };
    const auto make = [&](std::uint32_t replica) {
        return IterationCostModel(
            *s.plan, topo, replica, 4, s.spec.overlap, [&](std::uint32_t) { return cost; }, arch,
            sram);
    };
    ASSERT_EQ(replica_cost_key(*s.plan, topo, 0, arch, sram),
              replica_cost_key(*s.plan, topo, 1, arch, sram));
    IterationCostCache shared(make(0), 4);  // small: emptied while the other thread reads
    const std::vector<std::vector<SliceShape>> batches = {
        {{1, 40, true}},
        {{24, 0, true}},
        {{1, 40, true}, {7, 0, false}, {1, 12, true}},
        {{1, 12, true}},
        {{1, 41, true}},
        {{7, 0, false}, {1, 12, true}, {1, 40, true}},
        {{3, 5, true}},
        {{1, 12, true}, {1, 12, true}},
    };
    std::vector<std::vector<IterationCost>> got(2);
    std::vector<std::thread> threads;
    for (std::size_t r = 0; r < 2; ++r) {
        threads.emplace_back([&, r] {
            for (int pass = 0; pass < 20; ++pass) {
                for (std::size_t b = 0; b < batches.size(); ++b) {
                    // The two threads walk the batches in opposite orders.
                    const auto& batch = batches[r == 0 ? b : batches.size() - 1 - b];
                    got[r].push_back(shared.cost(batch, pass % 3 == 0));
                }
            }
        });
    }
    for (std::thread& t : threads) {
        t.join();
    }
    const IterationCostModel replica1 = make(1);
    for (std::size_t r = 0; r < 2; ++r) {
        std::size_t i = 0;
        for (int pass = 0; pass < 20; ++pass) {
            for (std::size_t b = 0; b < batches.size(); ++b) {
                const auto& batch = batches[r == 0 ? b : batches.size() - 1 - b];
                expect_same(got[r][i++], replica1.cost(batch, pass % 3 == 0),
                            fmt::format("thread {} pass {} batch {}", r, pass, b));
            }
        }
    }
    EXPECT_EQ(shared.hits() + shared.misses(), 2U * 20U * batches.size());
}

// What one cache computed (take_fresh) and another adopts answers the second one's lookups
// without running its model, with the model's own values; an adopted entry never replaces one
// that is there, and a full table adopts no more (decode steps have their own table).
TEST(IterationCostCache, AdoptsWhatAnotherCacheComputed) {
    const RingReplicas ring;
    const auto make = [&] { return ring.model(0); };
    const IterationCostModel reference = make();
    const std::vector<std::vector<SliceShape>> batches = {
        {{1, 40, true}},                                // a warm decode step
        {{1, 40, true}, {7, 0, false}, {1, 12, true}},  // a composition
        {{24, 0, true}},
    };
    IterationCostCache a(make());
    a.cost(batches[0], false);  // before keep_fresh(): not kept
    a.keep_fresh();
    a.cost(batches[1], false);
    a.cost(batches[1], false);  // a hit: nothing new
    a.cost(batches[2], true);
    a.cost(batches[0], true);  // cold: a table entry, not a decode step
    std::vector<IterationCostCache::Entry> fresh = a.take_fresh();
    ASSERT_EQ(fresh.size(), 3U);
    EXPECT_TRUE(a.take_fresh().empty());
    // Kept in the table's order of shapes (sorted), as computed.
    EXPECT_EQ(fresh[0].shapes,
              (std::vector<SliceShape>{{1, 12, true}, {1, 40, true}, {7, 0, false}}));
    EXPECT_FALSE(fresh[0].cold);
    EXPECT_TRUE(fresh[1].cold);
    fresh.push_back(IterationCostCache::Entry{batches[0], false, reference.cost(batches[0])});

    IterationCostCache b(make());
    for (const auto& e : fresh) {
        b.adopt(e);
    }
    EXPECT_EQ(b.adopted(), 4U);
    const std::vector<std::pair<std::vector<SliceShape>, bool>> lookups = {
        {batches[1], false},
        {{{7, 0, false}, {1, 12, true}, {1, 40, true}}, false},
        {batches[2], true},
        {batches[0], true},
        {batches[0], false}};
    for (const auto& [batch, cold] : lookups) {
        expect_same(b.cost(batch, cold), reference.cost(batch, cold), "adopted");
    }
    EXPECT_EQ(b.misses(), 0U);
    EXPECT_EQ(b.hits(), lookups.size());
    // Adopting again keeps what is there (the count does not move).
    IterationCostCache::Entry wrong = fresh[0];
    wrong.cost.feedback = SimTime::from_ps(12345);
    b.adopt(wrong);
    EXPECT_EQ(b.adopted(), 4U);
    EXPECT_NE(b.cost(batches[1], false).feedback, wrong.cost.feedback);

    // A table of one: the first composition is adopted, the second is not; the decode step is.
    IterationCostCache c(make(), 1);
    for (const auto& e : fresh) {
        c.adopt(e);
    }
    EXPECT_EQ(c.adopted(), 2U);
    expect_same(c.cost(batches[0], false), reference.cost(batches[0], false), "decode step");
    EXPECT_EQ(c.misses(), 0U);
}

// Replicas that may cost differently get different keys: a chip of another arch, or a
// replica whose chips straddle two rows of a torus (its routes differ from one within a row).
TEST(IterationCostCache, KeySeparatesReplicasThatMayDiffer) {
    fixture::Served s("gpt2", 2, 1, 4, cluster::TopologyKind::ring);
    const cluster::Topology ring(s.spec, s.plan->chips());
    const auto same = [](std::uint32_t) { return 0U; };
    const auto chip5_differs = [](std::uint32_t c) { return c == 5 ? 1U : 0U; };
    EXPECT_EQ(replica_cost_key(*s.plan, ring, 1, same, {}),
              replica_cost_key(*s.plan, ring, 2, same, {}));
    EXPECT_NE(replica_cost_key(*s.plan, ring, 1, chip5_differs, {}),
              replica_cost_key(*s.plan, ring, 2, chip5_differs, {}));
    const auto sram5 = [](std::uint32_t c) { return c == 5 ? std::uint64_t{1} : 0; };
    EXPECT_NE(replica_cost_key(*s.plan, ring, 1, same, sram5),
              replica_cost_key(*s.plan, ring, 2, same, sram5));

    // 8 chips in 2 rows of 4 would keep every replica in a row; rows of 3 on 6 chips do not:
    // replica 0 is chips 0, 1 (one row), replica 1 chips 2, 3 (3 starts the second row).
    fixture::Served t("gpt2", 2, 1, 3, cluster::TopologyKind::torus);
    t.spec.torus.columns = 3;
    const cluster::Topology torus(t.spec, t.plan->chips());
    EXPECT_NE(replica_cost_key(*t.plan, torus, 0, same, {}),
              replica_cost_key(*t.plan, torus, 1, same, {}));
}

}  // namespace
}  // namespace ltdes::serving

namespace ltdes::serving {
namespace {

// A lone request on an idle replica: its prefill, then one decode step per further token at
// contexts prompt, prompt + 1, ... The duration is the sum of those iterations' costs, each
// taken from a second model (not from the cache), once all of them are in the cache; and
// nothing before, nor when a step is missing, nor when a cold prefill is asked for a warm one.
TEST(IterationCostCache, KnowsALoneRequestsDurationOnceItsCostsAreIn) {
    const RingReplicas ring(1);
    IterationCostCache cache(ring.model(0));
    const IterationCostModel reference = ring.model(0);
    const SliceShape prefill{40, 0, true};
    EXPECT_FALSE(cache.known_lone_duration(prefill, false, 40, 3));

    SimTime want = reference.cost(std::array{prefill}, false).duration();
    cache.cost(std::array{prefill}, false);
    for (std::uint64_t c = 40; c < 43; ++c) {
        const std::array step{SliceShape{1, c, true}};
        EXPECT_FALSE(cache.known_lone_duration(prefill, false, 40, 3)) << "context " << c;
        want += reference.cost(step, false).duration();
        cache.cost(step, false);
    }
    const std::uint64_t hits = cache.hits();
    const std::uint64_t misses = cache.misses();
    ASSERT_TRUE(cache.known_lone_duration(prefill, false, 40, 3));
    EXPECT_EQ(*cache.known_lone_duration(prefill, false, 40, 3), want);
    EXPECT_EQ(*cache.known_lone_duration(prefill, false, 40, 0),
              reference.cost(std::array{prefill}, false).duration());
    EXPECT_FALSE(cache.known_lone_duration(prefill, false, 40, 4));  // context 43 not costed
    EXPECT_FALSE(cache.known_lone_duration(prefill, true, 40, 3));   // the cold prefill is not
    EXPECT_FALSE(cache.known_lone_duration(prefill, false, ~std::uint64_t{0}, 3));
    EXPECT_EQ(cache.hits(), hits);  // it only looks
    EXPECT_EQ(cache.misses(), misses);

    // Steps costed after a question count in the next one, wherever the range starts; one
    // adopted from another rank too.
    const auto step_ps = [&](std::uint64_t c) {
        return reference.cost(std::array{SliceShape{1, c, true}}, false).duration();
    };
    const SimTime prefill_ps = reference.cost(std::array{prefill}, false).duration();
    cache.cost(std::array{SliceShape{1, 43, true}}, false);
    EXPECT_EQ(*cache.known_lone_duration(prefill, false, 40, 4), want + step_ps(43));
    EXPECT_EQ(*cache.known_lone_duration(prefill, false, 41, 2),
              prefill_ps + step_ps(41) + step_ps(42));
    EXPECT_FALSE(cache.known_lone_duration(prefill, false, 39, 2));  // context 39 not costed
    const std::array step39{SliceShape{1, 39, true}};
    cache.adopt(IterationCostCache::Entry{
        {step39.begin(), step39.end()}, false, reference.cost(step39, false)});
    EXPECT_EQ(*cache.known_lone_duration(prefill, false, 39, 2),
              prefill_ps + step_ps(39) + step_ps(40));
}

// With pipeline stages the next iteration waits for the tokens to come back to the first
// stage: the iterations do not run back to back, and no duration is given.
TEST(IterationCostCache, KnowsNoLoneDurationWhenTokensGoBackToAFirstStage) {
    const RingReplicas ring(2);
    IterationCostCache cache(ring.model(0));
    const SliceShape prefill{40, 0, true};
    ASSERT_GT(cache.cost(std::array{prefill}, false).feedback, SimTime::zero());
    cache.cost(std::array{SliceShape{1, 40, true}}, false);
    EXPECT_FALSE(cache.known_lone_duration(prefill, false, 40, 1));
}

}  // namespace
}  // namespace ltdes::serving
