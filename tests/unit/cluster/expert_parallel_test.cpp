// SPDX-License-Identifier: MIT
// Expert parallelism: the exchange of one chip counted by hand, a whole MoE layer on two chips
// timed by hand (dispatch all-to-all, expert jobs, combine all-to-all), and the same totals for
// any number of ranks and threads.
#include "unit/cluster/model_fixtures.hpp"

#include "ltdes/cluster/cluster_run.hpp"
#include "ltdes/cluster/expert_placement.hpp"
#include "ltdes/cluster/moe_figures.hpp"
#include "ltdes/dist/loopback_transport.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace ltdes::cluster {
namespace {

using workload::Op;
using workload::OpKind;

/// One MoE layer: d_model 64, 4 experts of d_ff 128 (plain gelu FFN), top-2.
workload::ModelShape moe_model() {
    workload::ModelShape m = testing::gpt2();
    m.name = "moe4";
    m.family = workload::Family::mixtral;
    m.layers = 1;
    m.d_model = 64;
    m.n_heads = 1;
    m.n_kv_heads = 1;
    m.d_head = 64;
    m.attn_width = 64;
    m.d_ff = 128;
    m.n_experts = 4;
    m.top_k = 2;
    return m;
}

/// Router (2 requests × 3 tokens = 6 rows), one placeholder expert op of the trace's even
/// routing, and the combine (12 picks × 64).
std::vector<Op> moe_ops() {
    Op router = testing::make_op(0, 0, OpKind::router, "topk", 6, 4, 1, {});
    Op expert = testing::make_op(1, 0, OpKind::gemm, "ffn1.e0", 3, 128, 64, {0});
    Op combine = testing::make_op(2, 0, OpKind::add, "moe_combine", 12, 64, 1, {1});
    return {router, expert, combine};
}

/// 1 ns per row (m), 1 pJ per row: durations a test can add up by hand.
OpTiming row_cost(const Op& o) {
    OpTiming t;
    t.duration = SimTime::from_ps(static_cast<std::int64_t>(o.m) * 1000);
    t.energy[EnergyComponent::digital] = static_cast<double>(o.m);
    return t;
}

ClusterSpec ep_spec(std::uint32_t dp, std::uint32_t ep) {
    ClusterSpec s;
    s.plan = PlanSpec{false, 1, 1, dp, ep};
    s.chips = dp;
    s.topology = TopologyKind::fully_connected;
    s.moe.routing = workload::MoeRoutingKind::round_robin;
    return s;
}

struct MoeRun {
    ClusterSpec spec;
    Plan plan;
    std::vector<StageProgram> programs;

    explicit MoeRun(ClusterSpec s, std::uint32_t batch = 2)
        : spec(s), plan(s, moe_model(), workload::WorkloadSpec{batch, 3, 0, 4}) {
        ProgramBuilder b(plan);
        for (const Op& o : moe_ops()) {
            Op scaled = o;
            scaled.m = o.m * batch / 2;  // the ops above are for a batch of 2
            b.add(scaled);
        }
        programs = b.finish();
    }

    ClusterRunResult run(int ranks, int threads) const {
        dist::LoopbackHub hub(ranks);
        std::vector<ClusterRunResult> results(static_cast<std::size_t>(ranks));
        std::vector<std::thread> workers;
        for (int r = 0; r < ranks; ++r) {
            workers.emplace_back([&, r] {
                ClusterRunInputs in;
                in.spec = spec;
                in.plan = &plan;
                in.programs = &programs;
                in.cost_of_chip = [](std::uint32_t) { return OpCostFn(row_cost); };
                in.threads = threads;
                in.keep_records = true;
                dist::LoopbackTransport t(hub, RankId{r});
                des::BlockPartitioner part;
                results[static_cast<std::size_t>(r)] = run_cluster(in, t, part);
            });
        }
        for (auto& w : workers) {
            w.join();
        }
        return results[0];
    }
};

TEST(ExpertParallel, ExchangeOfOneChipByHand) {
    const MoeRun r(ep_spec(2, 2));
    // Round robin over the group, token-major: lane 0's picks 0..5 go to experts 0 1 2 3 0 1,
    // lane 1's picks 6..11 to 2 3 0 1 2 3. Lane 0 holds experts 0 and 2, lane 1 experts 1, 3.
    const MoeExchange x = moe_exchange(r.plan, r.spec.moe, 0, moe_ops()[0], 0);
    EXPECT_EQ(x.send_picks, (std::vector<std::uint64_t>{3, 3}));   // e0 ×2 + e2; e1 ×2 + e3
    EXPECT_EQ(x.recv_picks, (std::vector<std::uint64_t>{3, 3}));   // lane 1: e2 ×2 + e0
    EXPECT_EQ(x.expert_rows, (std::vector<std::uint64_t>{3, 3}));  // e0: 2 + 1, e2: 1 + 2
    EXPECT_EQ(x.dropped, 0U);
    EXPECT_EQ(ep_lane(r.plan, 1), 1U);
    EXPECT_EQ(ep_peer(r.plan, 1, 0), 0U);
}

TEST(ExpertParallel, AllToAllBytesAndTimeByHand) {
    const MoeRun r(ep_spec(2, 2));
    const ClusterRunResult one = r.run(1, 1);
    // Each chip: router on its 3 rows (3 000 ps); dispatch 3 picks × 64 values × 4 bit = 96 B
    // to the other chip: 96 B at 2 Tb/s = 384 ps + one hop (100 ns + 1 m × 4.9 ns) = 105 284 ps,
    // in at 108 284. Its two experts run ffn1, gelu, ffn2 on 3 rows each: 6 × 3 000 ps, done at
    // 126 284; the combine returns 3 picks (96 B), in at 231 568; moe_combine on its 6 rows of
    // 12 × 64 (the batch halved): 6 000 ps, end 237 568.
    EXPECT_EQ(one.totals.makespan.in_ps(), 237568);
    for (std::uint32_t c = 0; c < 2; ++c) {
        EXPECT_EQ(one.chips[c].bytes_sent, 192U) << c;
        EXPECT_EQ(one.chips[c].moe_bytes_sent, 192U) << c;
        EXPECT_EQ(one.chips[c].moe_expert_rows, 6U) << c;
        // Energy: router 3 + six jobs × 3 + combine 6 = 27 pJ of compute, plus 2 × 96 B at
        // 5 pJ/bit = 7 680 pJ of link.
        EXPECT_DOUBLE_EQ(one.chips[c].energy[EnergyComponent::digital], 27.0) << c;
        EXPECT_DOUBLE_EQ(one.chips[c].energy[EnergyComponent::link], 7680.0) << c;
    }
    // Every trace op shard ran once (the expert placeholder completes at once).
    EXPECT_NO_THROW(check_run_invariants(one.totals, 3 * 2));
    const MoeFigures f = moe_figures(r.plan, one.chips);
    EXPECT_EQ(f.expert_rows, 12U);
    EXPECT_DOUBLE_EQ(f.load_imbalance, 1.0);
    EXPECT_EQ(f.picks_dropped, 0U);
}

TEST(ExpertParallel, SameTotalsForAnyRanksAndThreads) {
    ClusterSpec s = ep_spec(8, 4);  // two expert groups of 4
    s.moe.routing = workload::MoeRoutingKind::zipf;
    s.moe.zipf_s = 1.0;
    s.moe.capacity_factor = 1.25;
    s.topology = TopologyKind::ring;
    const MoeRun r(s, 16);
    const ClusterRunResult one = r.run(1, 1);
    for (const auto& [ranks, threads] : {std::pair{2, 1}, std::pair{3, 2}, std::pair{1, 4}}) {
        const ClusterRunResult other = r.run(ranks, threads);
        EXPECT_EQ(other.totals.makespan, one.totals.makespan);
        EXPECT_EQ(other.totals.energy.pj, one.totals.energy.pj);
        for (std::uint32_t c = 0; c < r.plan.chips(); ++c) {
            EXPECT_EQ(other.chips[c].moe_expert_rows, one.chips[c].moe_expert_rows) << c;
            EXPECT_EQ(other.chips[c].moe_picks_dropped, one.chips[c].moe_picks_dropped) << c;
        }
    }
    EXPECT_NO_THROW(check_run_invariants(one.totals, 3 * 8));
}

TEST(ExpertParallel, PlanChecks) {
    const workload::WorkloadSpec w{8, 3, 0, 4};
    EXPECT_THROW(Plan(ep_spec(8, 3), moe_model(), w), ConfigError);      // 3 ∤ 4 experts
    EXPECT_THROW(Plan(ep_spec(8, 8), moe_model(), w), ConfigError);      // 8 ∤ 4 experts
    EXPECT_THROW(Plan(ep_spec(8, 2), testing::gpt2(), w), ConfigError);  // no experts
    ClusterSpec bus = ep_spec(4, 2);
    bus.topology = TopologyKind::bus;
    EXPECT_THROW(Plan(bus, moe_model(), w), ConfigError);  // the all-to-all needs links
    EXPECT_THROW(Plan(ep_spec(8, 2), moe_model(), workload::WorkloadSpec{4, 3, 0, 4}),
                 ConfigError);  // a replica without requests
    EXPECT_NO_THROW(Plan(ep_spec(8, 4), moe_model(), w));
}

}  // namespace
}  // namespace ltdes::cluster
