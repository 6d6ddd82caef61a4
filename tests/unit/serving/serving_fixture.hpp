// SPDX-License-Identifier: MIT
// What the serving tests share: a cluster with the photonic cost model as serving inputs, a
// request at a time in seconds, and the op-level static run of one request.
#pragma once

#include "ltdes/cluster/cluster_run.hpp"
#include "ltdes/cluster/op_timing.hpp"
#include "ltdes/config/arch_loader.hpp"
#include "ltdes/dist/loopback_transport.hpp"
#include "ltdes/photonic/cost_model.hpp"
#include "ltdes/serving/iteration_cost.hpp"
#include "ltdes/serving/replica_cost_key.hpp"
#include "ltdes/serving/serving_run.hpp"
#include "ltdes/workload/op_graph.hpp"
#include "ltdes/workload/presets.hpp"

#include <cmath>
#include <memory>
#include <thread>
#include <vector>

namespace ltdes::serving::fixture {

using workload::Op;

inline cluster::OpCostFn real_cost(const photonic::CostModel& model) {
    const photonic::MemorySpec mem;
    return [&model, mem](const Op& op) {
        const photonic::OpCost c = model.cost(op, mem);
        cluster::OpTiming t;
        t.duration = SimTime::from_ps(static_cast<std::int64_t>(std::ceil(c.latency_s * 1e12)));
        t.energy = c.energy;
        return t;
    };
}

/// A cluster, its plan and cost model; inputs for a serving run.
struct Served {
    std::unique_ptr<photonic::CostModel> model =
        photonic::make_cost_model(*config::builtin_arch("Dota_B_4bit"));
    cluster::OpCostFn cost = real_cost(*model);
    cluster::ClusterSpec spec;
    std::unique_ptr<cluster::Plan> plan;
    ServingInputs in;

    Served(const char* model_name,
           std::uint32_t tp,
           std::uint32_t pp,
           std::uint32_t dp,
           cluster::TopologyKind topology = cluster::TopologyKind::fully_connected) {
        spec.plan = cluster::PlanSpec{false, tp, pp, dp};
        spec.chips = tp * pp * dp;
        spec.topology = topology;
        spec.microbatches = 1;
        plan = std::make_unique<cluster::Plan>(spec, *workload::find_preset(model_name),
                                               workload::WorkloadSpec{dp, 1, 1, 4});
        in.cluster = spec;
        in.plan = plan.get();
        in.cost_of_chip = [c = cost](std::uint32_t) { return c; };
        in.arch_key = [](std::uint32_t) { return 0U; };
    }

    void set_capacity_gib(double gib) {
        spec.dram.capacity_gib = gib;
        in.cluster = spec;
    }
};

/// gpt2 on a ring, tp 2 × dp 2, costed with the chip model (op_timing): the cost model of
/// replica 0 and its cost key, for the tests of caches that ranks fill together.
struct RingCosts {
    Served s{"gpt2", 2, 1, 2, cluster::TopologyKind::ring};
    cluster::Topology topo{s.spec, s.plan->chips()};
    photonic::MemorySpec mem;
    cluster::OpCostFn cost = [this](const workload::Op& op) {
        return cluster::op_timing(op, s.model->cost(op, mem), mem);
    };

    static std::uint32_t arch(std::uint32_t) { return 0U; }

    IterationCostModel model() const {
        return IterationCostModel(
            *s.plan, topo, 0, 4, s.spec.overlap, [this](std::uint32_t) { return cost; }, arch);
    }

    std::vector<std::uint64_t> key() const { return replica_cost_key(*s.plan, topo, 0, arch, {}); }
};

/// Runs body(transport) on `ranks` in-process ranks (one thread each, a LoopbackTransport
/// each, as under MPI) and waits for them all.
template <class Body>
void on_loopback_ranks(int ranks, const Body& body) {
    dist::LoopbackHub hub(ranks);
    std::vector<std::thread> workers;
    for (int r = 0; r < ranks; ++r) {
        workers.emplace_back([&hub, &body, r] {
            dist::LoopbackTransport t(hub, RankId{r});
            body(t);
        });
    }
    for (auto& w : workers) {
        w.join();
    }
}

inline trace::RequestRecord req(std::uint64_t id,
                                double t_s,
                                std::uint64_t prompt,
                                std::uint64_t decode) {
    return {id, SimTime::from_ps(std::llround(t_s * 1e12)), prompt, decode};
}

struct StaticTimes {
    SimTime ttft;
    SimTime makespan;
};

/// One request of (prompt, decode) run by the op-level path: decode − 1 decode steps, since
/// the prefill produces the first token.
inline StaticTimes static_run(const Served& s, std::uint32_t prompt, std::uint32_t decode) {
    cluster::ClusterSpec spec = s.spec;
    spec.plan = cluster::PlanSpec{false, s.plan->tp(), s.plan->pp(), 1};
    spec.chips = s.plan->tp() * s.plan->pp();
    const cluster::Plan plan(spec, s.plan->model(), {1, prompt, decode - 1, 4});
    cluster::ProgramBuilder builder(plan);
    for (const Op& o : workload::build_workload_ops(plan.model(), plan.workload())) {
        builder.add(o);
    }
    const auto programs = builder.finish();
    cluster::ClusterRunInputs in;
    in.spec = spec;
    in.plan = &plan;
    in.programs = &programs;
    in.cost_of_chip = [&s](std::uint32_t) { return s.cost; };
    dist::LoopbackTransport transport;
    const des::BlockPartitioner part;
    const auto r = cluster::run_cluster(in, transport, part);
    return {r.totals.prefill_end, r.totals.makespan};
}

}  // namespace ltdes::serving::fixture
