// SPDX-License-Identifier: MIT
#include "ltdes/cluster/chip_model.hpp"

#include "unit/cluster/model_fixtures.hpp"

#include "ltdes/cluster/collective.hpp"
#include "ltdes/cluster/dram_channel.hpp"
#include "ltdes/cluster/run_invariants.hpp"
#include "ltdes/cluster/weight_residency.hpp"
#include "ltdes/core/error.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <queue>
#include <tuple>
#include <vector>

namespace ltdes::cluster {
namespace {

using workload::Op;
using workload::OpKind;

/// A sequential event loop over ChipModels, ordered by (time, source, sequence) like the DES
/// kernel, so the chip behaviour can be checked without it.
class MiniSim {
public:
    /// `sram_bytes` > 0: every chip keeps weights that fit (ChipModel::set_sram_capacity).
    MiniSim(const Plan& plan,
            const ClusterSpec& spec,
            std::vector<Op> ops,
            OpCostFn cost,
            std::uint64_t sram_bytes = 0)
        : plan_(plan), topo_(spec, plan.chips(), plan.tp()) {
        ProgramBuilder b(plan);
        for (const Op& op : ops) {
            b.add(op);
        }
        programs_ = b.finish();
        for (std::uint32_t c = 0; c < plan.chips(); ++c) {
            chips_.push_back(std::make_unique<ChipModel>(c, plan, programs_[plan.coord(c).pp],
                                                         topo_, spec, 4, cost, true));
            if (sram_bytes > 0) {
                chips_.back()->set_sram_capacity(sram_bytes);
            }
        }
    }

    SimTime run() {
        for (std::uint32_t c = 0; c < chips_.size(); ++c) {
            std::vector<Outgoing> out;
            chips_[c]->start(SimTime::zero(), out);
            post(c, SimTime::zero(), out);
        }
        SimTime last;
        while (!queue_.empty()) {
            const Ev ev = queue_.top();
            queue_.pop();
            last = ev.time;
            std::vector<Outgoing> out;
            std::visit(
                [&](const auto& m) {
                    using T = std::decay_t<decltype(m)>;
                    if constexpr (std::is_same_v<T, OpDoneMsg>) {
                        chips_[ev.dst]->on_op_done(m, ev.time, out);
                    } else if constexpr (std::is_same_v<T, ActivationMsg>) {
                        chips_[ev.dst]->on_activation(m, ev.time, out);
                    } else if constexpr (std::is_same_v<T, MoeTokensMsg>) {
                        chips_[ev.dst]->on_moe_tokens(m, ev.time, out);
                    } else {
                        chips_[ev.dst]->on_reduce_chunk(m, ev.time, out);
                    }
                },
                ev.msg);
            post(ev.dst, ev.time, out);
        }
        return last;
    }

    const ChipModel& chip(std::uint32_t c) const { return *chips_[c]; }

private:
    struct Ev {
        SimTime time;
        std::uint32_t src = 0;
        std::uint64_t seq = 0;
        std::uint32_t dst = 0;
        decltype(Outgoing::msg) msg;

        bool operator>(const Ev& o) const {
            return std::tie(time, src, seq) > std::tie(o.time, o.src, o.seq);
        }
    };

    void post(std::uint32_t src, SimTime now, const std::vector<Outgoing>& out) {
        for (const auto& o : out) {
            if (o.dst != src) {
                EXPECT_GE(o.delay, topo_.lookahead()) << "send below the lookahead";
            }
            queue_.push(Ev{now + o.delay, src, seq_++, o.dst, o.msg});
        }
    }

    Plan plan_;
    Topology topo_;
    std::vector<StageProgram> programs_;
    std::vector<std::unique_ptr<ChipModel>> chips_;
    std::priority_queue<Ev, std::vector<Ev>, std::greater<>> queue_;
    std::uint64_t seq_ = 0;
};

constexpr auto* op = &testing::make_op;

/// Every op lasts 1000 ps and costs 1 pJ of digital energy.
OpTiming flat_cost(const Op&) {
    OpTiming t;
    t.duration = SimTime::from_ps(1000);
    t.energy[EnergyComponent::digital] = 1.0;
    return t;
}

ClusterSpec plan_spec(std::uint32_t tp, std::uint32_t pp, std::uint32_t dp) {
    ClusterSpec s;
    s.plan = PlanSpec{false, tp, pp, dp};
    s.chips = tp * pp * dp;
    return s;
}

TEST(ChipModel, OneChipRunsAChainBackToBack) {
    const ClusterSpec spec = plan_spec(1, 1, 1);
    const Plan plan(spec, testing::gpt2(), testing::gpt2_workload());
    MiniSim sim(plan, spec,
                {op(0, 0, OpKind::layernorm, "ln1", 8192, 768, 1, {}),
                 op(1, 0, OpKind::gemm, "qkv", 8192, 2304, 768, {0}),
                 op(2, 0, OpKind::gemm, "proj", 8192, 768, 768, {1})},
                flat_cost);
    EXPECT_EQ(sim.run(), SimTime::from_ps(3000));
    const auto& t = sim.chip(0).totals();
    EXPECT_TRUE(sim.chip(0).finished());
    EXPECT_EQ(t.ops_executed, 3U);
    EXPECT_EQ(t.busy, SimTime::from_ps(3000));
    EXPECT_DOUBLE_EQ(t.energy[EnergyComponent::digital], 3.0);
    EXPECT_EQ(t.bytes_sent, 0U);
    ASSERT_EQ(sim.chip(0).records().size(), 3U);
    EXPECT_EQ(sim.chip(0).records()[2].t_start_ps, 2000);
    EXPECT_EQ(sim.chip(0).records()[2].op_id, 2U);
    EXPECT_EQ(sim.chip(0).records()[2].request, 0U);
    EXPECT_NE(sim.chip(0).records()[2].resource, stats::Resource::dram);
}

TEST(ChipModel, OverlapLetsMemoryOpsRunBesideCompute) {
    const std::vector<Op> ops = {op(0, 0, OpKind::gemm, "qkv", 8192, 2304, 768, {}),
                                 op(1, 0, OpKind::kv_read, "kv_read", 8, 1536, 1, {}),
                                 op(2, 0, OpKind::gemm, "ffn1", 8192, 3072, 768, {})};
    ClusterSpec spec = plan_spec(1, 1, 1);
    const Plan plan(spec, testing::gpt2(), testing::gpt2_workload());
    MiniSim with(plan, spec, ops, flat_cost);
    EXPECT_EQ(with.run(), SimTime::from_ps(2000));  // kv_read beside qkv; ffn1 after qkv
    spec.overlap = false;
    EXPECT_EQ(with.chip(0).totals().cores_work, SimTime::from_ps(2000));
    EXPECT_EQ(with.chip(0).totals().dram_work, SimTime::from_ps(1000));
    EXPECT_NO_THROW(check_chip_invariants(0, with.chip(0).totals()));
    MiniSim without(plan, spec, ops, flat_cost);
    EXPECT_EQ(without.run(), SimTime::from_ps(3000));  // one op at a time
    EXPECT_EQ(without.chip(0).totals().cores_work, SimTime::from_ps(3000));
    EXPECT_NO_THROW(check_chip_invariants(0, without.chip(0).totals()));
}

TEST(ChipModel, TensorParallelAllReduceIsTwoRingStepsForTwoChips) {
    ClusterSpec spec = plan_spec(2, 1, 1);
    spec.topology = TopologyKind::ring;  // the hand calculation is the ring's
    const Plan plan(spec, testing::gpt2(), testing::gpt2_workload());
    MiniSim sim(plan, spec,
                {op(0, 0, OpKind::gemm, "qkv", 8192, 2304, 768, {}),
                 op(1, 0, OpKind::gemm, "proj", 8192, 768, 768, {0}),
                 op(2, 0, OpKind::add, "res1", 8192, 768, 1, {1})},
                flat_cost);
    // proj leaves 8192 × 768 partial sums at 4 bits = 3145728 B; chunks of 1572864 B take
    // 6291456 ps at 2 Tb/s, plus one 104900 ps hop; two steps, then res1 (1000 ps).
    const std::int64_t step = 6291456 + 104900;
    EXPECT_EQ(sim.run(), SimTime::from_ps(2000 + 2 * step + 1000));
    RunTotals totals;
    for (std::uint32_t c = 0; c < 2; ++c) {
        const auto& t = sim.chip(c).totals();
        totals.add(t);
        EXPECT_TRUE(sim.chip(c).finished());
        EXPECT_EQ(t.all_reduces_completed, 1U);
        EXPECT_EQ(t.bytes_sent, 2U * 1572864U);
        EXPECT_EQ(t.bytes_received, 2U * 1572864U);
        EXPECT_DOUBLE_EQ(t.energy[EnergyComponent::link], 2.0 * 1572864 * 8 * 5.0);
    }
    EXPECT_NO_THROW(check_run_invariants(totals, 6));
    // Chip 0's records: 3 ops and its 2 chunk transfers, whose link energy adds up.
    double link_pj = 0.0;
    int transfers = 0;
    for (const stats::TimelineRow& rec : sim.chip(0).records()) {
        if (rec.resource == stats::Resource::link) {
            ++transfers;
            link_pj += rec.energy[EnergyComponent::link];
            EXPECT_EQ(rec.op_id, 1U);  // the all-reduce after proj
            EXPECT_EQ(rec.t_end_ps - rec.t_start_ps, SimTime::from_ps(step).in_ps());
        }
    }
    EXPECT_EQ(transfers, 2);
    EXPECT_DOUBLE_EQ(link_pj, 2.0 * 1572864 * 8 * 5.0);
}

TEST(ChipModel, PipelineStagesPassActivationsAndTokensBack) {
    ClusterSpec spec = plan_spec(1, 2, 1);
    spec.microbatches = 1;
    const Plan plan(spec, testing::gpt2(), workload::WorkloadSpec{1, 16, 1, 4});
    // Stage 0: layer 0; stage 1: layer 6 and the LM head; the decode step's embedding on stage 0
    // waits for the generated token.
    MiniSim sim(plan, spec,
                {op(0, 0, OpKind::add, "res2", 16, 768, 1, {}),
                 op(1, 6, OpKind::add, "res2", 16, 768, 1, {0}),
                 op(2, -1, OpKind::gemm, "lm_head", 1, 50257, 768, {1}),
                 op(3, -1, OpKind::lookup, "tok_embed", 1, 768, 1, {2})},
                flat_cost);
    // 16 × 768 values at 4 bits = 6144 B = 24576 ps on the link, + 104900 ps; the token goes
    // back as 4 bytes (16 ps) + 104900 ps.
    const std::int64_t forward = 24576 + 104900;
    const std::int64_t back = 16 + 104900;
    EXPECT_EQ(sim.run(), SimTime::from_ps(1000 + forward + 2000 + back + 1000));
    EXPECT_EQ(sim.chip(0).totals().bytes_sent, 6144U);
    EXPECT_EQ(sim.chip(0).totals().prefill_end, SimTime::zero());  // ops default to encoder
    EXPECT_EQ(sim.chip(1).totals().bytes_received, 6144U);
    EXPECT_EQ(sim.chip(1).totals().bytes_sent, 4U);
    EXPECT_TRUE(sim.chip(0).finished());
    EXPECT_TRUE(sim.chip(1).finished());
}

TEST(ChipModel, MicroBatchesPipelineThroughTheStages) {
    ClusterSpec spec = plan_spec(1, 2, 1);
    spec.microbatches = 2;
    const Plan plan(spec, testing::gpt2(), workload::WorkloadSpec{2, 16, 0, 4});
    MiniSim sim(plan, spec,
                {op(0, 0, OpKind::add, "res2", 32, 768, 1, {}),
                 op(1, 6, OpKind::add, "res2", 32, 768, 1, {0})},
                flat_cost);
    // Micro-batch 1 runs on stage 0 (1000-2000 ps) while micro-batch 0's activations (16 × 768
    // values at 4 bits: 24576 ps on the link) leave at 1000 ps; micro-batch 1's queue behind
    // them until 25576 ps, arrive after the 104900 ps hop, and run 1000 ps on stage 1.
    EXPECT_EQ(sim.run(), SimTime::from_ps(1000 + 2 * 24576 + 104900 + 1000));
    EXPECT_EQ(sim.chip(0).totals().ops_executed, 2U);
    EXPECT_EQ(sim.chip(1).totals().ops_executed, 2U);
}

TEST(ChipModel, BusAllReduceScattersDirectlyThenBroadcasts) {
    ClusterSpec spec = plan_spec(4, 1, 1);
    spec.topology = TopologyKind::bus;
    const Plan plan(spec, testing::gpt2(), workload::WorkloadSpec{1, 16, 0, 4});
    MiniSim sim(plan, spec,
                {op(0, 0, OpKind::gemm, "qkv", 16, 2304, 768, {}),
                 op(1, 0, OpKind::gemm, "proj", 16, 768, 768, {0}),
                 op(2, 0, OpKind::add, "res1", 16, 768, 1, {1})},
                flat_cost);
    // proj ends at 2000 ps with 16 × 768 partial sums at 4 bits = 6144 B: chunks of 1536 B,
    // 6144 ps each on a sender's channel; a bus hop is 104900 ps (100 ns + 1 m of fibre).
    // Step 0: member i sends its 3 chunks in member order, so the last contribution reaches
    // member 0 at 2000 + 1·6144 + 104900, member 1 at 2000 + 2·6144 + 104900, members 2 and
    // 3 at 2000 + 3·6144 + 104900 = 125332. Each then broadcasts its reduced chunk (6144 ps +
    // a hop): the last broadcasts (members 2, 3) land at 125332 + 6144 + 104900 = 236376,
    // when every member is complete; res1 takes 1000 ps more.
    EXPECT_EQ(sim.run(), SimTime::from_ps(237376));
    RunTotals totals;
    for (std::uint32_t c = 0; c < 4; ++c) {
        const auto& t = sim.chip(c).totals();
        EXPECT_TRUE(sim.chip(c).finished());
        EXPECT_EQ(t.all_reduces_completed, 1U);
        EXPECT_EQ(t.bytes_sent, 3U * 1536U + 3U * 1536U);  // 3 unicasts + 1 broadcast to 3
        EXPECT_NEAR(t.energy[EnergyComponent::link], 3.0 * 12288 * 5.0 + 12288 * 11.111507697587099,
                    1e-6);
        totals.add(t);
    }
    EXPECT_NO_THROW(check_run_invariants(totals, 12));
}

// A bus per tensor group: tp 2 x pp 2 on 4 chips, groups {0, 1} (stage 0) and {2, 3}.
TEST(ChipModel, BusPerTpReducesOnTheGroupBusAndShipsStagesOverTheRing) {
    ClusterSpec spec = plan_spec(2, 2, 1);
    spec.topology = TopologyKind::bus_per_tp;
    const Plan plan(spec, testing::gpt2(), workload::WorkloadSpec{1, 16, 0, 4});
    MiniSim sim(plan, spec,
                {op(0, 0, OpKind::gemm, "qkv", 16, 2304, 768, {}),
                 op(1, 0, OpKind::gemm, "proj", 16, 768, 768, {0}),
                 op(2, 6, OpKind::add, "res2", 16, 768, 1, {1})},
                flat_cost);
    // proj ends at 2000 ps; 6144 B of partial sums, chunks of 3072 B = 12288 ps on a channel.
    // The direct all-reduce on the bus: each member sends the other its chunk (arrives at
    // 2000 + 12288 + 104900 = 119188), then broadcasts its reduced chunk to its one reader
    // (119188 + 12288 + 104900 = 236376). The 6144 B of activations (24576 ps) then take the
    // ring to the next stage, two links each: 1 → 2 → 3 leaves first on link 1→2 (free again at
    // 260952); chip 0's head reaches chip 1 at 341276 and follows on 1→2. Both arrive at
    // 236376 + 2·104900 + 24576 = 470752, res2 takes 1000 ps more.
    EXPECT_EQ(sim.run(), SimTime::from_ps(471752));
    RunTotals totals;
    for (std::uint32_t c = 0; c < 4; ++c) {
        EXPECT_TRUE(sim.chip(c).finished());
        totals.add(sim.chip(c).totals());
    }
    const auto& zero = sim.chip(0).totals();
    EXPECT_EQ(zero.bytes_sent, 3072U + 3072U + 6144U);
    // Two bus transfers at E(1) = 5 pJ/bit, then 6144 B over two ring links at 5 pJ/bit.
    EXPECT_DOUBLE_EQ(zero.energy[EnergyComponent::link], 2 * 24576.0 * 5.0 + 49152.0 * 5.0 * 2);
    // Chip 0's /links: ring links to 1 and 3 (ids ascending), then its bus channel (node 4).
    const auto links = sim.chip(0).links();
    ASSERT_EQ(links.size(), 3U);
    EXPECT_EQ(links[0].to, 1U);
    EXPECT_EQ(links[0].bytes, 6144U);
    EXPECT_EQ(links[2].to, 4U);
    EXPECT_EQ(links[2].bytes, 6144U);
    EXPECT_EQ(links[2].busy_ps, 2 * 12288);
    EXPECT_NO_THROW(check_run_invariants(totals, 6));  // qkv, proj on 2 chips, res2 on 2
}

TEST(ChipModel, BusCarriesPipelineActivationsStraightToTheReader) {
    ClusterSpec spec = plan_spec(1, 2, 1);
    spec.topology = TopologyKind::bus;
    const Plan plan(spec, testing::gpt2(), workload::WorkloadSpec{1, 16, 0, 4});
    MiniSim sim(plan, spec,
                {op(0, 0, OpKind::add, "res2", 16, 768, 1, {}),
                 op(1, 6, OpKind::add, "res2", 16, 768, 1, {0})},
                flat_cost);
    EXPECT_EQ(sim.run(), SimTime::from_ps(1000 + 24576 + 104900 + 1000));
    EXPECT_DOUBLE_EQ(sim.chip(0).totals().energy[EnergyComponent::link], 6144.0 * 8 * 5.0);
}

}  // namespace
}  // namespace ltdes::cluster

namespace ltdes::cluster {
namespace {

TEST(ChipModel, StaticEnergyChargesIdleLasersAndLinkIdlePowerOnlyWhenEnabled) {
    ClusterSpec spec;
    spec.plan = PlanSpec{false, 1, 1, 1};
    spec.chips = 1;
    const Plan plan(spec, testing::gpt2(), testing::gpt2_workload());
    ProgramBuilder b(plan);
    const auto programs = b.finish();
    const Topology topo(spec, 1);
    ChipModel off(0, plan, programs[0], topo, spec, 4, flat_cost, false);
    off.finish(SimTime::from_ps(1000), 96.0);
    EXPECT_EQ(off.totals().energy[EnergyComponent::static_power], 0.0);

    // 4 chips on a ring: 2 link directions each at 0.5 W; a 96 mW laser idle for 1000 ps.
    ClusterSpec on = spec;
    on.static_power.enabled = true;
    on.link.idle_power_w = 0.5;
    on.plan = PlanSpec{false, 1, 1, 4};
    on.chips = 4;
    const Plan plan4(on, testing::gpt2(), testing::gpt2_workload());
    ProgramBuilder b4(plan4);
    const auto programs4 = b4.finish();
    const Topology topo4(on, 4);
    ChipModel chip(0, plan4, programs4[0], topo4, on, 4, flat_cost, false);
    chip.finish(SimTime::from_ps(1000), 96.0);
    // 96 mW × 1000 ps = 96 pJ; 2 directions × 0.5 W × 1000 ps = 1000 pJ.
    EXPECT_DOUBLE_EQ(chip.totals().energy[EnergyComponent::static_power], 96.0 + 1000.0);
}

}  // namespace
}  // namespace ltdes::cluster

namespace ltdes::cluster {
namespace {

TEST(ChipModel, PrefillEndIsTheCompletionOfTheLastPrefillOp) {
    const ClusterSpec spec = plan_spec(1, 1, 1);
    const Plan plan(spec, testing::gpt2(), testing::gpt2_workload());
    std::vector<Op> ops = {op(0, 0, OpKind::gemm, "qkv", 8192, 2304, 768, {}),
                           op(1, 0, OpKind::gemm, "proj", 8192, 768, 768, {0}),
                           op(2, 0, OpKind::gemm, "qkv", 8, 2304, 768, {1})};
    ops[0].phase = workload::Phase::prefill;
    ops[1].phase = workload::Phase::prefill;
    ops[2].phase = workload::Phase::decode;
    MiniSim sim(plan, spec, ops, flat_cost);
    EXPECT_EQ(sim.run(), SimTime::from_ps(3000));
    EXPECT_EQ(sim.chip(0).totals().prefill_end, SimTime::from_ps(2000));
}

/// Memory model (docs/cluster.md "Memory"): a GEMM streams its weights for 1000 ps over 200 ps
/// of compute (duration max = 1000); a memory op moves data for 500 ps, then 100 ps of latency.
OpTiming channel_cost(const Op& o) {
    OpTiming t;
    if (o.kind == OpKind::gemm) {
        t.duration = SimTime::from_ps(1000);
        t.compute = SimTime::from_ps(200);
        t.dram = SimTime::from_ps(1000);
        t.streams_weights = true;
        t.energy[EnergyComponent::dram] = 7.0;
        t.energy[EnergyComponent::laser] = 1.0;
    } else {
        t.duration = SimTime::from_ps(600);
        t.dram = SimTime::from_ps(500);
        t.dram_tail = SimTime::from_ps(100);
        t.energy[EnergyComponent::dram] = 2.0;
    }
    return t;
}

TEST(DramChannel, TransfersQueueFirstComeFirstServed) {
    DramChannel ch;
    const OpTiming gemm = channel_cost(op(0, 0, OpKind::gemm, "qkv", 1, 1, 1, {}));
    const OpTiming kv = channel_cost(op(1, 0, OpKind::kv_read, "kv_read", 1, 1, 1, {}));
    EXPECT_EQ(ch.run(gemm, SimTime::zero()), SimTime::from_ps(1000));  // channel 0-1000
    // Ready at 100, its transfer waits for the weight stream: 1000-1500, + 100 latency.
    EXPECT_EQ(ch.run(kv, SimTime::from_ps(100)), SimTime::from_ps(1600));
    // At 1200 the channel is busy until 1500: the stream ends at 2500, compute alone at 1400.
    EXPECT_EQ(ch.run(gemm, SimTime::from_ps(1200)), SimTime::from_ps(2500));
    // An op without DRAM part lasts its duration whatever the channel does.
    EXPECT_EQ(ch.run(OpTiming{SimTime::from_ps(30), {}}, SimTime::from_ps(1300)),
              SimTime::from_ps(1330));
    EXPECT_EQ(ch.busy(), SimTime::from_ps(2500));
    // A resident GEMM computes only, with no DRAM energy.
    const OpTiming r = resident_use(gemm);
    EXPECT_EQ(ch.run(r, SimTime::from_ps(1300)), SimTime::from_ps(1500));
    EXPECT_DOUBLE_EQ(r.energy[EnergyComponent::dram], 0.0);
    EXPECT_DOUBLE_EQ(r.energy[EnergyComponent::laser], 1.0);
}

TEST(WeightResidency, FirstFitInFirstUseOrder) {
    WeightResidency w(100);
    EXPECT_EQ(w.admit(0, "qkv", 60), 0);
    EXPECT_EQ(w.admit(0, "proj", 50), WeightResidency::kStreamed);  // 40 left
    EXPECT_EQ(w.admit(0, "ffn2", 40), 1);                           // a smaller one still fits
    EXPECT_EQ(w.admit(1, "qkv", 1), WeightResidency::kStreamed);    // full
    EXPECT_EQ(w.admit(0, "qkv", 60), 0);                            // same key, same answer
    EXPECT_EQ(w.admit(0, "proj", 1), WeightResidency::kStreamed);
    EXPECT_EQ(w.resident_bytes(), 100U);
    EXPECT_EQ(WeightResidency(0).admit(0, "qkv", 1), WeightResidency::kStreamed);
}

// qkv and a kv_read ready at 0: the KV read runs on the DRAM unit beside the cores but its
// transfer waits for qkv's weight stream (0-1000): 1000-1500, done at 1600. Then layer 0's qkv
// again (a later decode step): resident with SRAM, 200 ps of compute and no DRAM energy.
TEST(ChipModel, OneDramChannelAndResidentWeights) {
    const std::vector<Op> ops = {op(0, 0, OpKind::gemm, "qkv", 8, 2304, 768, {}),
                                 op(1, 0, OpKind::kv_read, "kv_read", 8, 1536, 1, {}),
                                 op(2, 0, OpKind::gemm, "qkv", 8, 2304, 768, {0, 1})};
    const ClusterSpec spec = plan_spec(1, 1, 1);
    const Plan plan(spec, testing::gpt2(), testing::gpt2_workload());
    MiniSim streamed(plan, spec, ops, channel_cost);
    EXPECT_EQ(streamed.run(), SimTime::from_ps(1600 + 1000));
    EXPECT_DOUBLE_EQ(streamed.chip(0).totals().energy[EnergyComponent::dram], 7.0 + 2.0 + 7.0);
    EXPECT_EQ(streamed.chip(0).totals().dram_busy, SimTime::from_ps(2500));
    EXPECT_EQ(streamed.chip(0).totals().resident_weight_bytes, 0U);
    // qkv's shard is 2304 × 768 values at 4 bits = 884736 B: it fits 1 MiB.
    MiniSim resident(plan, spec, ops, channel_cost, 1U << 20);
    EXPECT_EQ(resident.run(), SimTime::from_ps(1600 + 200));
    EXPECT_DOUBLE_EQ(resident.chip(0).totals().energy[EnergyComponent::dram], 7.0 + 2.0);
    EXPECT_EQ(resident.chip(0).totals().resident_weight_bytes, 884736U);
    // Too small for it: streamed at every use, as without SRAM.
    MiniSim small(plan, spec, ops, channel_cost, 884735);
    EXPECT_EQ(small.run(), SimTime::from_ps(1600 + 1000));
}

}  // namespace
}  // namespace ltdes::cluster

namespace ltdes::cluster {
namespace {

// The chip LPs replay each all-reduce algorithm; on an idle fully connected tp-4 group the
// all-reduce after proj (16 × 768 partial sums at 4 bits = 6144 B, chunks of 1536 B =
// 6144 ps) lasts the closed form: qkv and proj take 2000 ps before it, res1 1000 ps after.
TEST(ChipModel, EveryAllReduceAlgorithmMatchesItsClosedFormOnAnIdleNetwork) {
    constexpr std::int64_t a = 104900;

    struct Case {
        CollectiveAlgorithm algorithm;
        std::uint32_t chunking;
        std::int64_t all_reduce_ps;
    };

    const Case cases[] = {
        {CollectiveAlgorithm::ring, 1, 6 * (a + 6144)},         // 2(p−1)(α+σ)
        {CollectiveAlgorithm::ring, 2, 6 * (a + 3072) + 3072},  // + (k−1)σ/k
        {CollectiveAlgorithm::direct, 1, 2 * (a + 3 * 6144)},   // 2(α + (p−1)σ)
        {CollectiveAlgorithm::halving_doubling, 1, 2 * (2 * a + 12288 + 6144)},  // S/2, S/4
    };
    for (const Case& c : cases) {
        ClusterSpec spec;
        spec.plan = PlanSpec{false, 4, 1, 1};
        spec.chips = 4;
        spec.topology = TopologyKind::fully_connected;
        spec.collective.algorithm = c.algorithm;
        spec.collective.chunking = c.chunking;
        const Plan plan(spec, testing::gpt2(), workload::WorkloadSpec{1, 16, 0, 4});
        MiniSim sim(plan, spec,
                    {op(0, 0, OpKind::gemm, "qkv", 16, 2304, 768, {}),
                     op(1, 0, OpKind::gemm, "proj", 16, 768, 768, {0}),
                     op(2, 0, OpKind::add, "res1", 16, 768, 1, {1})},
                    flat_cost);
        EXPECT_EQ(sim.run(), SimTime::from_ps(2000 + c.all_reduce_ps + 1000))
            << kCollectiveAlgorithmNames[static_cast<std::size_t>(c.algorithm)] << " k "
            << c.chunking;
        const Topology t(spec, 4);
        const std::uint32_t group[] = {0, 1, 2, 3};
        const auto schedule = all_reduce_schedule(t, spec.collective, 6144, 4);
        EXPECT_EQ(replay_collective(t, group, schedule).time, SimTime::from_ps(c.all_reduce_ps));
        for (std::uint32_t chip = 0; chip < 4; ++chip) {
            EXPECT_TRUE(sim.chip(chip).finished());
            EXPECT_EQ(sim.chip(chip).totals().bytes_sent, sim.chip(chip).totals().bytes_received);
        }
    }
}

// A pipeline transfer through the switch: the sender books its port (first link + switch),
// the receiver the switch's port towards it (second link); together the route's energy.
TEST(ChipModel, LinkUseAddsUpToTheBytesSentOverTheirHops) {
    ClusterSpec spec;
    spec.plan = PlanSpec{false, 1, 2, 1};
    spec.chips = 2;
    spec.topology = TopologyKind::star_switch;
    const Plan plan(spec, testing::gpt2(), workload::WorkloadSpec{1, 16, 0, 4});
    MiniSim sim(plan, spec,
                {op(0, 0, OpKind::add, "res2", 16, 768, 1, {}),
                 op(1, 6, OpKind::add, "res2", 16, 768, 1, {0})},
                flat_cost);
    // 6144 B: 24 576 ps through the 309 800 ps switch route.
    EXPECT_EQ(sim.run(), SimTime::from_ps(1000 + 309800 + 24576 + 1000));
    const auto up = sim.chip(0).links();
    const auto down = sim.chip(1).links();
    EXPECT_EQ(up[0].bytes, 6144U);    // chip 0 → switch
    EXPECT_EQ(down[1].bytes, 6144U);  // switch → chip 1
    EXPECT_EQ(down[1].busy_ps, 24576);
    EXPECT_DOUBLE_EQ(up[0].energy_pj + down[1].energy_pj,
                     sim.chip(0).totals().energy[EnergyComponent::link]);
}

}  // namespace
}  // namespace ltdes::cluster
