// SPDX-License-Identifier: MIT
// When two replicas' iterations cost exactly the same. An IterationCostModel sees its replica
// through the chips' arch and SRAM, and through the routes between the replica's chips (the
// all-reduces, stage transfers and feedback cross only those; every link of a topology has the
// same latency, bandwidth and energy). Two replicas whose chips agree one for one and whose
// routes are the same once the nodes are renamed, the renaming keeping the order of node ids
// (ties are broken by id), run the same computation on the same numbers: the same costs, bit
// for bit. So a rank's replicas with equal keys can share one IterationCostCache.
#pragma once

#include "ltdes/cluster/plan.hpp"
#include "ltdes/cluster/topology.hpp"

#include <cstdint>
#include <functional>
#include <vector>

namespace ltdes::serving {

/// A key such that replicas with equal keys have bitwise equal iteration costs (equal keys are
/// sufficient, not necessary). Per chip (stage, tensor rank order): `arch_key` and `sram_bytes`
/// (0 when empty); then, for every ordered pair of the replica's chips, the route between them
/// with each node named by its rank among the replica's chips or, outside, by first
/// appearance; then the order of all those nodes' ids.
std::vector<std::uint64_t> replica_cost_key(
    const cluster::Plan& plan,
    const cluster::Topology& topology,
    std::uint32_t replica,
    const std::function<std::uint32_t(std::uint32_t chip)>& arch_key,
    const std::function<std::uint64_t(std::uint32_t chip)>& sram_bytes);

}  // namespace ltdes::serving
