// SPDX-License-Identifier: MIT
// The plan search: its profile of a trace, its analytic score against hand sums and against the
// DES run of every plan it ranks (docs/plan-search.md).
#include "ltdes/cluster/plan_search.hpp"

#include "unit/cluster/model_fixtures.hpp"

#include "ltdes/cluster/cluster_run.hpp"
#include "ltdes/cluster/stage_program.hpp"
#include "ltdes/core/error.hpp"
#include "ltdes/dist/loopback_transport.hpp"
#include "ltdes/workload/op_graph.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <vector>

namespace ltdes::cluster {
namespace {

using workload::Op;
using workload::OpKind;
using workload::WorkloadSpec;

/// Every op lasts 1000 ps and costs 1 pJ.
OpTiming flat_cost(const Op&) {
    OpTiming t;
    t.duration = SimTime::from_ps(1000);
    t.energy[EnergyComponent::digital] = 1.0;
    return t;
}

/// Duration proportional to the shard's size, so tensor and data splits change timings.
OpTiming size_cost(const Op& o) {
    OpTiming t;
    t.duration = SimTime::from_ps(static_cast<std::int64_t>(1 + o.m * o.n * o.count / 1000));
    t.energy[EnergyComponent::digital] = static_cast<double>(o.m * o.n * o.count) * 1e-3;
    return t;
}

/// size_cost, but a GEMM streams its weights (N × K values at 4 bits, 100 bytes per ps) from
/// DRAM while it computes, as an FC GEMM does: weights resident in SRAM save the stream.
OpTiming streaming_cost(const Op& o) {
    OpTiming t = size_cost(o);
    if (o.kind == OpKind::gemm) {
        t.compute = t.duration;
        t.dram = SimTime::from_ps(static_cast<std::int64_t>(1 + o.n * o.k / 200));
        t.duration = std::max(t.compute, t.dram);
        t.streams_weights = true;
        t.energy[EnergyComponent::dram] = static_cast<double>(o.n * o.k) * 1e-4;
    }
    return t;
}

std::vector<Op> workload_ops(const workload::ModelShape& m, const WorkloadSpec& w) {
    return workload::build_workload_ops(m, w);
}

TraceProfile profile_of(const workload::ModelShape& m, const WorkloadSpec& w) {
    TraceProfile p(m, w);
    for (const Op& o : workload_ops(m, w)) {
        p.add(o);
    }
    p.finish();
    return p;
}

PlanSearchInputs inputs(std::uint32_t chips, OpCostFn cost, bool overlap = true) {
    PlanSearchInputs in;
    in.spec.chips = chips;
    in.spec.overlap = overlap;
    in.cost = std::move(cost);
    return in;
}

/// Makespan of `c` simulated by the chip LPs on the DES kernel (one in-process rank).
SimTime simulate(const workload::ModelShape& m,
                 const WorkloadSpec& w,
                 const PlanSearchInputs& in,
                 const PlanCandidate& c) {
    ClusterSpec spec = in.spec;
    spec.plan = PlanSpec{false, c.tp, c.pp, c.dp, c.ep};
    spec.chips = c.chips();
    spec.microbatches = c.microbatches;
    const Plan plan(spec, m, w);
    ProgramBuilder b(plan);
    for (const Op& o : workload_ops(m, w)) {
        b.add(o);
    }
    const std::vector<StageProgram> programs = b.finish();
    ClusterRunInputs run;
    run.spec = spec;
    run.plan = &plan;
    run.programs = &programs;
    run.cost_of_chip = [&in](std::uint32_t) { return in.cost; };
    run.sram_bytes_of_chip = [&in](std::uint32_t) { return in.sram_bytes; };
    dist::LoopbackHub hub(1);
    dist::LoopbackTransport t(hub, RankId{0});
    return run_cluster(run, t, des::BlockPartitioner{}).totals.makespan;
}

/// Spearman's rank correlation (ties share their mean rank).
double spearman(const std::vector<double>& a, const std::vector<double>& b) {
    const auto ranks = [](const std::vector<double>& v) {
        std::vector<std::size_t> order(v.size());
        std::iota(order.begin(), order.end(), 0U);
        std::stable_sort(order.begin(), order.end(),
                         [&](std::size_t x, std::size_t y) { return v[x] < v[y]; });
        std::vector<double> r(v.size());
        for (std::size_t i = 0; i < order.size();) {
            std::size_t j = i;
            while (j + 1 < order.size() && v[order[j + 1]] == v[order[i]]) {
                ++j;
            }
            for (std::size_t k = i; k <= j; ++k) {
                r[order[k]] = static_cast<double>(i + j) / 2.0;
            }
            i = j + 1;
        }
        return r;
    };
    const std::vector<double> ra = ranks(a);
    const std::vector<double> rb = ranks(b);
    const double ma = std::accumulate(ra.begin(), ra.end(), 0.0) / static_cast<double>(ra.size());
    const double mb = std::accumulate(rb.begin(), rb.end(), 0.0) / static_cast<double>(rb.size());
    double cov = 0.0;
    double va = 0.0;
    double vb = 0.0;
    for (std::size_t i = 0; i < ra.size(); ++i) {
        cov += (ra[i] - ma) * (rb[i] - mb);
        va += (ra[i] - ma) * (ra[i] - ma);
        vb += (rb[i] - mb) * (rb[i] - mb);
    }
    return cov / std::sqrt(va * vb);
}

TEST(PlanSearch, ObjectiveNamesRoundTrip) {
    for (std::size_t i = 0; i < kObjectiveNames.size(); ++i) {
        const auto o = parse_objective(kObjectiveNames[i]);
        ASSERT_TRUE(o.has_value());
        EXPECT_EQ(objective_name(*o), kObjectiveNames[i]);
    }
    EXPECT_FALSE(parse_objective("latency").has_value());
    PlanPrediction p;
    p.throughput_tok_s = 5.0;
    EXPECT_EQ(objective_value(p, Objective::throughput), -5.0);  // smaller is better
}

// gpt2 with 2 decode steps: 3 passes, each of 12 alike layers (one layer DAG per pass), the
// embedding on the first stage, the LM head on the last, and every layer boundary crossed by
// the residual stream.
TEST(PlanSearch, ProfileKeepsOneLayerDagPerPass) {
    const TraceProfile p = profile_of(testing::gpt2(), WorkloadSpec{2, 16, 2, 4});
    ASSERT_EQ(p.passes().size(), 3U);
    EXPECT_EQ(p.layer_shapes().size(), 3U);  // the context grows each pass
    for (const auto& pass : p.passes()) {
        EXPECT_TRUE(std::all_of(pass.layer_shape.begin(), pass.layer_shape.end(),
                                [&](std::uint32_t s) { return s == pass.layer_shape[0]; }));
        ASSERT_FALSE(pass.first_ops.empty());
        EXPECT_EQ(p.shapes()[pass.first_ops[0] / TraceProfile::kEntryShape].kind, OpKind::lookup);
        ASSERT_FALSE(pass.last_ops.empty());
        EXPECT_EQ(p.shapes()[pass.last_ops.back() / TraceProfile::kEntryShape].name, "lm_head");
        ASSERT_EQ(pass.boundary_ops.size(), 11U);
        for (const auto& b : pass.boundary_ops) {
            EXPECT_FALSE(b.empty());
        }
    }
    EXPECT_TRUE(p.tp_capable());
}

// One chip, one op at a time, every op 1000 ps and 1 pJ: the makespan is 1000 ps per op and
// the energy 1 pJ per op.
TEST(PlanSearch, OneChipWithoutOverlapIsTheSumOfItsOps) {
    const WorkloadSpec w{2, 16, 2, 4};
    const auto ops = workload_ops(testing::gpt2(), w);
    const TraceProfile p = profile_of(testing::gpt2(), w);
    const PlanPrediction r = predict_plan(p, inputs(1, flat_cost, false), PlanCandidate{});
    EXPECT_DOUBLE_EQ(r.makespan_s, static_cast<double>(ops.size()) * 1000e-12);
    EXPECT_DOUBLE_EQ(r.energy_j, static_cast<double>(ops.size()) * 1e-12);
}

// Two stages, one micro-batch: the ops' sum plus, per pass, one activation transfer between
// the stages, and per decode pass one token fed back. Ring of 2 chips, 1 hop each way: 100 ns +
// 1 m of fibre (4.9 ns) = 104 900 ps, plus bytes·8 / 2 Tb/s.
TEST(PlanSearch, PipelineAddsTransfersToTheChain) {
    const WorkloadSpec w{2, 16, 2, 4};
    const auto ops = workload_ops(testing::gpt2(), w);
    const TraceProfile p = profile_of(testing::gpt2(), w);
    const PlanPrediction r =
        predict_plan(p, inputs(2, flat_cost, false), PlanCandidate{1, 2, 1, 1});
    const auto xfer_ps = [](double bytes) { return 104900.0 + std::ceil(bytes * 8.0 / 2.0); };
    // Activations: d_model values per token and request at 4 bits; prefill 16 tokens, decode 1.
    const double prefill = xfer_ps(768.0 * 16 * 2 * 4 / 8);
    const double decode = xfer_ps(768.0 * 2 * 4 / 8);
    const double token = xfer_ps(4.0 * 2);  // 4-byte ids per request
    const double expected = static_cast<double>(ops.size()) * 1000 + prefill + 2 * (decode + token);
    EXPECT_DOUBLE_EQ(r.makespan_s, expected * 1e-12);
}

// The proof in small: gpt2 (batch 4, 2 decode steps) on up to 8 chips, every plan the search
// ranks simulated by the DES. The chosen plan is within 5 % of the best simulated one (never
// slower than fewer chips: the one-chip plan is among them), and the score ranks plans like
// the DES (Spearman rho >= 0.9).
TEST(PlanSearch, ChoosesWithinFivePercentOfTheBestSimulatedPlan) {
    const workload::ModelShape m = testing::gpt2();
    const WorkloadSpec w{4, 16, 2, 4};
    const TraceProfile p = profile_of(m, w);
    const PlanSearchInputs in = inputs(8, size_cost);
    const PlanSearchResult r = search_plans(p, in);
    ASSERT_GT(r.ranked.size(), 20U);
    std::vector<double> predicted;
    std::vector<double> simulated;
    for (const ScoredPlan& s : r.ranked) {
        predicted.push_back(s.prediction.makespan_s);
        simulated.push_back(simulate(m, w, in, s.plan).in_seconds());
        if (s.plan.microbatches == 1 && s.plan.tp == 1) {
            // No all-reduce and no interleaving: the chain is exact.
            EXPECT_NEAR(s.prediction.makespan_s, simulated.back(), 1e-9 * simulated.back())
                << s.plan.tp << "x" << s.plan.pp << "x" << s.plan.dp;
        }
    }
    const double best = *std::min_element(simulated.begin(), simulated.end());
    EXPECT_LE(simulated.front(), 1.05 * best);
    const double rho = spearman(predicted, simulated);
    EXPECT_GE(rho, 0.9);
    RecordProperty("spearman_rho", std::to_string(rho));
}

// Weights that fit a chip's SRAM are read from DRAM at their first use only (first fit in
// first-use order, per chip): gpt2's layer holds 7.08 M weights, 3.54 MB at 4 bits (qkv 0.88,
// out 0.29, fc1 and fc2 1.18 MB each), so 5 MB keeps one whole layer and, first fit, the qkv
// and out matrices of the next and the out matrix of later layers. More stages keep more of
// the model resident. With one micro-batch and tp 1 the score's chain is the DES makespan on
// every pipeline depth.
TEST(PlanSearch, ResidentWeightsAreWhatTheChipsKeep) {
    const workload::ModelShape m = testing::gpt2();
    const WorkloadSpec w{2, 16, 3, 4};
    const TraceProfile p = profile_of(m, w);
    PlanSearchInputs in = inputs(12, streaming_cost);
    in.sram_bytes = 5'000'000;
    std::vector<double> simulated;
    for (const std::uint32_t pp : {1U, 2U, 3U, 4U, 6U, 12U}) {
        const PlanCandidate c{1, pp, 1, 1};
        const double predicted = predict_plan(p, in, c).makespan_s;
        simulated.push_back(simulate(m, w, in, c).in_seconds());
        EXPECT_NEAR(predicted, simulated.back(), 1e-9 * simulated.back()) << "pp " << pp;
    }
    // Without SRAM every use streams: slower on one chip, and more so on 12 (where every
    // chip's layer was resident).
    in.sram_bytes = 0;
    const double one = predict_plan(p, in, PlanCandidate{1, 1, 1, 1}).makespan_s;
    const double twelve = predict_plan(p, in, PlanCandidate{1, 12, 1, 1}).makespan_s;
    EXPECT_GT(one, simulated.front());
    EXPECT_GT(twelve - simulated.back(), one - simulated.front());
}

// Chips the search leaves idle are a choice it reports: with 64 chips and one request, more
// replicas cannot help, and a plan on fewer chips wins.
TEST(PlanSearch, MayLeaveChipsIdle) {
    const TraceProfile p = profile_of(testing::gpt2(), WorkloadSpec{1, 16, 2, 4});
    const PlanSearchResult r = search_plans(p, inputs(64, size_cost));
    EXPECT_LT(r.best().plan.chips(), 64U);
    EXPECT_EQ(r.chips, 64U);
    EXPECT_NE(format_search_choice(r).find("idle"), std::string::npos);
    const PlanPrediction one = predict_plan(p, inputs(64, size_cost), PlanCandidate{});
    EXPECT_LE(r.best().prediction.makespan_s, one.makespan_s);
}

// gpt2 has 12 heads and 12 layers; with one request dp = 1, and on 8 chips tp·pp <= 8. The
// factors 5, 7 and 8 do not divide 12: (5,1), (7,1), (8,1), (1,5), (1,7), (1,8) = 6 shapes.
TEST(PlanSearch, CountsWhatItExcludes) {
    const TraceProfile p = profile_of(testing::gpt2(), WorkloadSpec{1, 16, 2, 4});
    PlanSearchInputs in = inputs(8, size_cost);
    const PlanSearchResult r = search_plans(p, in);
    EXPECT_EQ(r.excluded[static_cast<std::size_t>(Exclusion::divisibility)], 6U);
    EXPECT_EQ(r.excluded[static_cast<std::size_t>(Exclusion::memory)], 0U);
    // 1 MiB of DRAM holds no gpt2 shard: every remaining shape is excluded for memory (tp, pp
    // in {1, 2, 3, 4, 6} with tp·pp <= 8: 5 + 4 + 2 + 2 + 1 = 14), and the plans of the
    // smallest footprint are ranked instead, flagged.
    in.spec.dram.capacity_gib = 1.0 / 1024;
    const PlanSearchResult none = search_plans(p, in);
    EXPECT_FALSE(none.fits_memory);
    EXPECT_EQ(none.excluded[static_cast<std::size_t>(Exclusion::memory)], 14U);
    for (const ScoredPlan& s : none.ranked) {
        EXPECT_EQ(s.prediction.dram_bytes, none.smallest_need_bytes);
        EXPECT_GT(s.prediction.dram_bytes, none.capacity_bytes);
    }
}

TEST(PlanSearch, RejectsObjectivesTheTraceHasNoFigureFor) {
    const TraceProfile decoder = profile_of(testing::gpt2(), WorkloadSpec{1, 16, 0, 4});
    PlanSearchInputs in = inputs(4, size_cost);
    in.objective = Objective::goodput;
    EXPECT_THROW(search_plans(decoder, in), UsageError);
    in.objective = Objective::tpot;
    EXPECT_THROW(search_plans(decoder, in), UsageError);
    in.objective = Objective::ttft;
    EXPECT_NO_THROW(search_plans(decoder, in));
}

}  // namespace
}  // namespace ltdes::cluster

namespace ltdes::cluster {
namespace {

// With static.enabled the energy score adds the static power the chips charge: each plan
// chip's laser while its cores idle and every link direction's idle power over the makespan.
// For tp = 1 the score's timing is the DES's (see above), so its static energy must equal the
// `static` component of the simulated run.
TEST(PlanSearch, StaticPowerIsWhatTheChipsCharge) {
    const WorkloadSpec w{2, 16, 2, 4};
    const TraceProfile p = profile_of(testing::gpt2(), w);
    PlanSearchInputs in = inputs(4, size_cost, false);
    in.laser_mw = 150.0;
    in.spec.link.idle_power_w = 0.25;
    for (const PlanCandidate c :
         {PlanCandidate{1, 2, 1, 1}, PlanCandidate{1, 1, 2, 1}, PlanCandidate{1, 4, 1, 1}}) {
        in.spec.static_power.enabled = false;
        const double dynamic_j = predict_plan(p, in, c).energy_j;
        in.spec.static_power.enabled = true;
        const double static_j = predict_plan(p, in, c).energy_j - dynamic_j;

        ClusterSpec spec = in.spec;
        spec.plan = PlanSpec{false, c.tp, c.pp, c.dp};
        spec.chips = c.chips();
        spec.microbatches = c.microbatches;
        const Plan plan(spec, testing::gpt2(), w);
        ProgramBuilder b(plan);
        for (const Op& o : workload_ops(testing::gpt2(), w)) {
            b.add(o);
        }
        const std::vector<StageProgram> programs = b.finish();
        ClusterRunInputs run;
        run.spec = spec;
        run.plan = &plan;
        run.programs = &programs;
        run.cost_of_chip = [&in](std::uint32_t) { return in.cost; };
        run.laser_power_mw = [&in](std::uint32_t) { return in.laser_mw; };
        dist::LoopbackHub hub(1);
        dist::LoopbackTransport t(hub, RankId{0});
        const auto r = run_cluster(run, t, des::BlockPartitioner{});
        const double simulated_j = r.totals.energy[EnergyComponent::static_power] * 1e-12;
        EXPECT_GT(simulated_j, 0.0);
        EXPECT_NEAR(static_j, simulated_j, 1e-9 * simulated_j) << "pp " << c.pp << " dp " << c.dp;
    }
}

/// A small Mixtral: 2 layers, 4 experts of d_ff 128, top-2.
workload::ModelShape small_moe() {
    workload::ModelShape m = testing::gpt2();
    m.name = "moe-small";
    m.family = workload::Family::mixtral;
    m.layers = 2;
    m.d_model = 64;
    m.n_heads = 2;
    m.n_kv_heads = 2;
    m.d_head = 32;
    m.attn_width = 64;
    m.d_ff = 128;
    m.vocab = 256;
    m.n_experts = 4;
    m.top_k = 2;
    m.gated_ffn = true;
    m.tied_embeddings = false;
    m.norm = workload::NormKind::rmsnorm;
    m.act = workload::ActKind::silu;
    return m;
}

// ep 2 on 2 chips, one micro-batch, flat 1 ns ops without overlap, fully connected: the score's
// all-to-all closed form (one hop + the serialization of ceil(tokens·top_k/ep) picks) and its
// expert placement (lane 0 runs experts 0 and 2 with the group's rows) give the DES makespan.
TEST(PlanSearch, ExpertParallelScoreMatchesTheDes) {
    const workload::ModelShape m = small_moe();
    const WorkloadSpec w{2, 8, 1, 4};
    const TraceProfile p = profile_of(m, w);
    PlanSearchInputs in = inputs(2, flat_cost, false);
    in.spec.topology = TopologyKind::fully_connected;
    in.spec.moe.routing = workload::MoeRoutingKind::round_robin;
    PlanCandidate c{1, 1, 2, 1};
    c.ep = 2;
    const PlanPrediction r = predict_plan(p, in, c);
    EXPECT_NEAR(r.makespan_s, simulate(m, w, in, c).in_seconds(), 1e-15);
    // Without ep the same replicas run every expert: more ops, no all-to-all.
    const PlanPrediction dense = predict_plan(p, in, PlanCandidate{1, 1, 2, 1});
    EXPECT_NEAR(dense.makespan_s, simulate(m, w, in, PlanCandidate{1, 1, 2, 1}).in_seconds(),
                1e-15);
    EXPECT_NE(dense.makespan_s, r.makespan_s);
}

// The search enumerates ep for a model with experts (ep divides dp and the experts, any tp)
// and ranks those plans consistently with the DES (round-robin routing, as the score assumes).
TEST(PlanSearch, EnumeratesExpertParallelismAndRanksItLikeTheDes) {
    const workload::ModelShape m = small_moe();
    const WorkloadSpec w{4, 8, 1, 4};
    const TraceProfile p = profile_of(m, w);
    PlanSearchInputs in = inputs(4, size_cost);
    in.spec.moe.routing = workload::MoeRoutingKind::round_robin;
    const PlanSearchResult r = search_plans(p, in);
    std::vector<std::uint32_t> eps;
    std::vector<double> predicted;
    std::vector<double> simulated;
    bool tp_with_ep = false;
    for (const ScoredPlan& s : r.ranked) {
        eps.push_back(s.plan.ep);
        EXPECT_TRUE(s.plan.ep == 1 || s.plan.dp % s.plan.ep == 0);
        tp_with_ep = tp_with_ep || (s.plan.ep > 1 && s.plan.tp > 1);
        predicted.push_back(s.prediction.makespan_s);
        simulated.push_back(simulate(m, w, in, s.plan).in_seconds());
    }
    EXPECT_NE(std::find(eps.begin(), eps.end(), 2U), eps.end());
    EXPECT_NE(std::find(eps.begin(), eps.end(), 4U), eps.end());
    EXPECT_TRUE(tp_with_ep);  // tp 2 × dp 2, ep 2: experts tensor-sliced inside the group
    EXPECT_NE(format_search_csv(r).find(",ep\n"), std::string::npos);
    const double rho = spearman(predicted, simulated);
    EXPECT_GE(rho, 0.9);
    RecordProperty("spearman_rho", std::to_string(rho));
}

// Uniform routing leaves experts idle when few tokens are routed: an expert misses all T tokens
// of its group (each picks k of E) with probability (1 - k/E)^T, and an idle expert runs no job,
// so the score prices each expert job by its chance of running. Round robin spreads the picks
// evenly and is priced in full. One-token decode steps of 2 requests on dp 2 x ep 2 route T = 2
// tokens over 8 experts, top 2: a job runs with probability 1 - (3/4)^2 = 0.4375, so uniform
// routing is predicted cheaper than round robin (and no slower: here the expert jobs of this
// size-only cost are not on the critical path). With 64-token prompts and no decode,
// T = 128 and the chance is 1 - (3/4)^128 = 1 to double precision: the two agree.
TEST(PlanSearch, ExpertJobsArePricedByTheirChanceOfRunning) {
    workload::ModelShape m = small_moe();
    m.n_experts = 8;
    PlanSearchInputs in = inputs(2, size_cost);
    PlanCandidate c{1, 1, 2, 1};
    c.ep = 2;
    const auto predict = [&](const WorkloadSpec& w, workload::MoeRoutingKind routing) {
        in.spec.moe.routing = routing;
        return predict_plan(profile_of(m, w), in, c);
    };
    const WorkloadSpec decode{2, 1, 8, 4};
    const PlanPrediction uniform = predict(decode, workload::MoeRoutingKind::uniform);
    const PlanPrediction even = predict(decode, workload::MoeRoutingKind::round_robin);
    EXPECT_LE(uniform.makespan_s, even.makespan_s);
    EXPECT_LT(uniform.energy_j, even.energy_j);
    const WorkloadSpec prefill{2, 64, 0, 4};
    const PlanPrediction wide = predict(prefill, workload::MoeRoutingKind::uniform);
    const PlanPrediction wide_even = predict(prefill, workload::MoeRoutingKind::round_robin);
    EXPECT_DOUBLE_EQ(wide.makespan_s, wide_even.makespan_s);
    EXPECT_DOUBLE_EQ(wide.energy_j, wide_even.energy_j);
}

}  // namespace
}  // namespace ltdes::cluster
