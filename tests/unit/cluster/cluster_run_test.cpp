// SPDX-License-Identifier: MIT
// The chip LPs on the real kernel must agree with the sequential chip-model loop, and give the
// same totals for any number of (in-process) ranks and threads.
#include "ltdes/cluster/cluster_run.hpp"

#include "unit/cluster/model_fixtures.hpp"

#include "ltdes/cluster/op_census.hpp"
#include "ltdes/dist/loopback_transport.hpp"
#include "ltdes/workload/op_graph.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <tuple>
#include <vector>

namespace ltdes::cluster {
namespace {

using workload::Op;
using workload::OpKind;

constexpr auto* op = &testing::make_op;

/// Duration proportional to the shard's size, so tensor and data splits change timings.
OpTiming size_cost(const Op& o) {
    OpTiming t;
    t.duration = SimTime::from_ps(static_cast<std::int64_t>(1 + o.m * o.n * o.count / 1000));
    t.energy[EnergyComponent::digital] = static_cast<double>(o.m * o.n * o.count) * 1e-3;
    return t;
}

/// Two layers of a small pass (embedding, attention output with all-reduce, FFN), then the
/// LM head and one decode step's embedding.
std::vector<Op> toy_ops() {
    std::vector<Op> ops;
    ops.push_back(op(0, -1, OpKind::lookup, "tok_embed", 32, 768, 1, {}));
    std::uint64_t x = 0;
    for (std::int32_t l : {0, 6}) {
        const std::uint64_t id = ops.size();
        ops.push_back(op(id, l, OpKind::gemm, "qkv", 32, 2304, 768, {x}));
        ops.push_back(op(id + 1, l, OpKind::gemm, "proj", 32, 768, 768, {id}));
        ops.push_back(op(id + 2, l, OpKind::gemm, "ffn1", 32, 3072, 768, {id + 1}));
        ops.push_back(op(id + 3, l, OpKind::gemm, "ffn2", 32, 768, 3072, {id + 2}));
        ops.push_back(op(id + 4, l, OpKind::add, "res2", 32, 768, 1, {id + 3, id + 1}));
        x = id + 4;
    }
    const std::uint64_t head = ops.size();
    ops.push_back(op(head, -1, OpKind::gemm, "lm_head", 2, 50257, 768, {x}));
    ops.push_back(op(head + 1, -1, OpKind::lookup, "tok_embed", 2, 768, 1, {head}));
    return ops;
}

struct RunSetup {
    ClusterSpec spec;
    Plan plan;
    std::vector<StageProgram> programs;

    explicit RunSetup(ClusterSpec s)
        : spec(s), plan(s, testing::gpt2(), workload::WorkloadSpec{2, 16, 1, 4}) {
        ProgramBuilder b(plan);
        for (const Op& o : toy_ops()) {
            b.add(o);
        }
        programs = b.finish();
    }

    ClusterRunInputs inputs(int threads) const {
        ClusterRunInputs in;
        in.spec = spec;
        in.plan = &plan;
        in.programs = &programs;
        in.cost_of_chip = [](std::uint32_t) { return OpCostFn(size_cost); };
        in.threads = threads;
        return in;
    }
};

ClusterRunResult run_on_ranks(const RunSetup& s, int ranks, int threads) {
    dist::LoopbackHub hub(ranks);
    std::vector<ClusterRunResult> results(static_cast<std::size_t>(ranks));
    std::vector<std::thread> workers;
    for (int r = 0; r < ranks; ++r) {
        workers.emplace_back([&, r] {
            dist::LoopbackTransport t(hub, RankId{r});
            des::BlockPartitioner part;
            results[static_cast<std::size_t>(r)] = run_cluster(s.inputs(threads), t, part);
        });
    }
    for (auto& w : workers) {
        w.join();
    }
    for (int r = 1; r < ranks; ++r) {
        EXPECT_EQ(results[static_cast<std::size_t>(r)].totals.makespan, results[0].totals.makespan);
    }
    return results[0];
}

ClusterSpec spec_of(std::uint32_t tp, std::uint32_t pp, std::uint32_t dp, TopologyKind topo) {
    ClusterSpec s;
    s.plan = PlanSpec{false, tp, pp, dp};
    s.chips = tp * pp * dp;
    s.topology = topo;
    return s;
}

void expect_same_as_one_rank(int ranks, int threads) {
    for (const TopologyKind topo : {TopologyKind::ring, TopologyKind::bus}) {
        const RunSetup s(spec_of(2, 2, 2, topo));
        const ClusterRunResult one = run_on_ranks(s, 1, 1);
        EXPECT_GT(one.totals.makespan, SimTime::zero());
        EXPECT_NO_THROW(check_run_invariants(one.totals, 13 * 2 * 2));  // ops · tp · replicas
        const ClusterRunResult other = run_on_ranks(s, ranks, threads);
        EXPECT_EQ(other.totals.makespan, one.totals.makespan);
        EXPECT_EQ(other.totals.energy.pj, one.totals.energy.pj);
        EXPECT_EQ(other.stats.fingerprint, one.stats.fingerprint);
        for (std::uint32_t c = 0; c < s.plan.chips(); ++c) {
            EXPECT_EQ(other.chips[c].last_end, one.chips[c].last_end) << "chip " << c;
        }
    }
}

// The census's event forecast is another path to the number of events the kernel executes:
// a real decoder workload (prefill and 2 decode steps of gpt2, batch 2) on ring plans.
TEST(ClusterRun, ExpectedEventsEqualTheEventsExecuted) {
    for (const auto& [tp, pp, dp] : {std::tuple{2U, 2U, 2U}, std::tuple{4U, 1U, 1U},
                                     std::tuple{1U, 3U, 1U}, std::tuple{1U, 1U, 1U}}) {
        const ClusterSpec spec = spec_of(tp, pp, dp, TopologyKind::ring);
        const workload::WorkloadSpec w{2, 16, 2, 4};
        const Plan plan(spec, testing::gpt2(), w);
        OpCensus census(plan);
        ProgramBuilder b(plan);
        workload::OpGraph graph = workload::build_workload(testing::gpt2(), w);
        for (Op o; graph.next(o);) {
            census.add(o);
            b.add(o);
        }
        const std::vector<StageProgram> programs = b.finish();
        ClusterRunInputs in;
        in.spec = spec;
        in.plan = &plan;
        in.programs = &programs;
        in.cost_of_chip = [](std::uint32_t) { return OpCostFn(size_cost); };
        dist::LoopbackHub hub(1);
        dist::LoopbackTransport t(hub, RankId{0});
        const ClusterRunResult r = run_cluster(in, t, des::BlockPartitioner{});
        EXPECT_EQ(census.expected_events(Topology(spec, plan.chips()), spec.collective),
                  r.stats.global_events)
            << "tp " << tp << " pp " << pp << " dp " << dp;
    }
}

TEST(ClusterRun, SameResultsOnTwoRanks) {
    expect_same_as_one_rank(2, 1);
}

TEST(ClusterRun, SameResultsWithMoreRanksThanLps) {
    expect_same_as_one_rank(10, 1);  // 8 chips (+ the bus LP): idle ranks
}

// Threads change nothing either (the kernel routes events between shards of one rank).
TEST(ClusterRun, SameResultsWithTwoThreads) {
    expect_same_as_one_rank(1, 2);
    expect_same_as_one_rank(3, 2);
}

TEST(ClusterRun, OneChipMakespanIsTheSumOfItsOpsWithoutOverlap) {
    ClusterSpec spec = spec_of(1, 1, 1, TopologyKind::ring);
    spec.overlap = false;
    const RunSetup s(spec);
    const ClusterRunResult r = run_on_ranks(s, 1, 1);
    std::int64_t sum = 0;
    for (const Op& o : toy_ops()) {
        sum += size_cost(o).duration.in_ps();
    }
    EXPECT_EQ(r.totals.makespan, SimTime::from_ps(sum));
    EXPECT_EQ(r.chips[0].own_work, SimTime::from_ps(sum));
}

}  // namespace
}  // namespace ltdes::cluster
