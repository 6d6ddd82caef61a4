// SPDX-License-Identifier: MIT
// The chip LPs across real MPI ranks: the tiny trace on tp 2 × pp 2 × dp 2 must give, on every
// rank, exactly what one in-process rank gives (docs/units.md).
#include "support/mpi_test_session.hpp"

#include "ltdes/cluster/cluster_run.hpp"
#include "ltdes/cluster/op_census.hpp"
#include "ltdes/dist/loopback_transport.hpp"
#include "ltdes/dist/mpi_transport.hpp"
#include "ltdes/trace/trace_reader.hpp"

#include <gtest/gtest.h>

#include <string>

namespace ltdes::cluster {
namespace {

/// Duration and energy grow with the shard, so every split shows in the results.
OpTiming size_cost(const workload::Op& o) {
    OpTiming t;
    t.duration = SimTime::from_ps(static_cast<std::int64_t>(1 + o.m * o.n * o.count * o.k / 64));
    t.energy[EnergyComponent::laser] = static_cast<double>(o.m * o.n * o.count) * 1e-3;
    return t;
}

struct Tiny {
    ClusterSpec spec;
    std::unique_ptr<Plan> plan;
    std::unique_ptr<OpCensus> census;
    std::vector<StageProgram> programs;

    explicit Tiny(TopologyKind topo) {
        spec.plan = PlanSpec{false, 2, 2, 2};
        spec.chips = 8;
        spec.topology = topo;
        trace::TraceReader reader(std::string(LTDES_SOURCE_DIR) + "/traces/tiny.trace");
        plan = std::make_unique<Plan>(spec, reader.header().model, reader.header().workload);
        census = std::make_unique<OpCensus>(*plan);
        ProgramBuilder b(*plan);
        workload::Op op;
        while (reader.next(op)) {
            census->add(op);
            b.add(op);
        }
        programs = b.finish();
    }

    ClusterRunInputs inputs() const {
        ClusterRunInputs in;
        in.spec = spec;
        in.plan = plan.get();
        in.programs = &programs;
        in.cost_of_chip = [](std::uint32_t) { return OpCostFn(size_cost); };
        return in;
    }
};

TEST(ClusterRunMpi, EveryRankMatchesOneInProcessRank) {
    for (const TopologyKind topo :
         {TopologyKind::ring, TopologyKind::fully_connected, TopologyKind::bus}) {
        const Tiny tiny(topo);
        dist::LoopbackTransport alone;
        const des::BlockPartitioner part;
        const ClusterRunResult ref = run_cluster(tiny.inputs(), alone, part);
        dist::MpiTransport mpi(ltdes::test_support::mpi_session());
        const ClusterRunResult r = run_cluster(tiny.inputs(), mpi, part);
        EXPECT_NO_THROW(check_run_invariants(r.totals, tiny.census->op_instances()));
        EXPECT_EQ(r.totals.makespan, ref.totals.makespan);
        EXPECT_EQ(r.totals.energy.pj, ref.totals.energy.pj);
        EXPECT_EQ(r.stats.fingerprint, ref.stats.fingerprint);
        EXPECT_EQ(r.stats.global_events, ref.stats.global_events);
        for (std::uint32_t c = 0; c < tiny.plan->chips(); ++c) {
            EXPECT_EQ(r.chips[c].last_end, ref.chips[c].last_end) << "chip " << c;
            EXPECT_EQ(r.chips[c].ops_executed, ref.chips[c].ops_executed) << "chip " << c;
        }
    }
}

}  // namespace
}  // namespace ltdes::cluster
