// SPDX-License-Identifier: MIT
#include "ltdes/cluster/run_invariants.hpp"

#include "ltdes/core/error.hpp"

#include <gtest/gtest.h>

namespace ltdes::cluster {
namespace {

RunTotals healthy() {
    ChipTotals a;
    a.ops_expected = a.ops_executed = 3;
    a.bytes_sent = 100;
    a.bytes_received = 40;
    a.last_end = SimTime::from_ps(500);
    a.energy[EnergyComponent::laser] = 2.0;
    ChipTotals b = a;
    b.bytes_sent = 40;
    b.bytes_received = 100;
    b.last_end = SimTime::from_ps(700);
    RunTotals t;
    t.add(a);
    t.add(b);
    return t;
}

TEST(RunInvariants, HealthyRunPasses) {
    const RunTotals t = healthy();
    EXPECT_EQ(t.makespan, SimTime::from_ps(700));
    EXPECT_DOUBLE_EQ(t.energy[EnergyComponent::laser], 4.0);
    EXPECT_NO_THROW(check_run_invariants(t, 6));
}

TEST(RunInvariants, EachBrokenInvariantFailsLoudly) {
    EXPECT_THROW(check_run_invariants(healthy(), 7), InternalError);  // ops missing
    RunTotals t = healthy();
    t.ops_executed = 5;
    EXPECT_THROW(check_run_invariants(t, 6), InternalError);
    t = healthy();
    t.bytes_received -= 1;
    EXPECT_THROW(check_run_invariants(t, 6), InternalError);
    t = healthy();
    t.energy[EnergyComponent::link] = -1.0;
    EXPECT_THROW(check_run_invariants(t, 6), InternalError);
    t = healthy();
    t.makespan = SimTime::zero();
    EXPECT_THROW(check_run_invariants(t, 6), InternalError);
}

TEST(RunInvariants, AChipCannotFinishBeforeItsOwnWork) {
    ChipTotals c;
    c.cores_work = SimTime::from_ps(900);
    c.dram_work = SimTime::from_ps(400);
    c.last_end = SimTime::from_ps(900);
    EXPECT_NO_THROW(check_chip_invariants(0, c));
    c.last_end = SimTime::from_ps(899);
    EXPECT_THROW(check_chip_invariants(0, c), InternalError);
}

}  // namespace
}  // namespace ltdes::cluster
