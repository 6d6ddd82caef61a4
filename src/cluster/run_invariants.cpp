// SPDX-License-Identifier: MIT
#include "ltdes/cluster/run_invariants.hpp"

#include "ltdes/core/error.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace ltdes::cluster {

void RunTotals::add(const ChipTotals& chip) {
    ops_expected += chip.ops_expected;
    ops_executed += chip.ops_executed;
    bytes_sent += chip.bytes_sent;
    bytes_received += chip.bytes_received;
    energy += chip.energy;
    makespan = std::max(makespan, chip.last_end);
    prefill_end = std::max(prefill_end, chip.prefill_end);
}

void check_chip_invariants(std::uint32_t chip, const ChipTotals& t) {
    if (t.last_end < t.cores_work || t.last_end < t.dram_work) {
        throw InternalError(fmt::format(
            "end-of-run invariant broken: chip {} finished at {} ps, before its own work ({} ps "
            "on the cores, {} ps on DRAM)",
            chip, t.last_end.in_ps(), t.cores_work.in_ps(), t.dram_work.in_ps()));
    }
}

void check_run_invariants(const RunTotals& t, std::uint64_t op_instances) {
    const auto fail = [](const std::string& what) {
        throw InternalError(fmt::format("end-of-run invariant broken: {}", what));
    };
    if (t.ops_expected != op_instances) {
        fail(fmt::format("the chips expected {} op shards, the plan has {}", t.ops_expected,
                         op_instances));
    }
    if (t.ops_executed != op_instances) {
        fail(fmt::format("{} op shards executed, {} expected (each exactly once)", t.ops_executed,
                         op_instances));
    }
    if (t.bytes_sent != t.bytes_received) {
        fail(fmt::format("{} bytes sent but {} received", t.bytes_sent, t.bytes_received));
    }
    for (std::size_t i = 0; i < kNumEnergyComponents; ++i) {
        if (!(t.energy.pj[i] >= 0.0)) {
            fail(fmt::format("energy component {} is {} pJ", kEnergyComponentNames[i],
                             t.energy.pj[i]));
        }
    }
    if (t.makespan <= SimTime::zero()) {
        fail(fmt::format("makespan {} ps is not > 0", t.makespan.in_ps()));
    }
}

}  // namespace ltdes::cluster
