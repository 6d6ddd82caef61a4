// SPDX-License-Identifier: MIT
// The serving options live with the cluster configuration (`scheduler.*` keys); these are the
// serving engine's names for them.
#pragma once

#include "ltdes/cluster/scheduler_spec.hpp"

namespace ltdes::serving {

using ServingSpec = cluster::SchedulerSpec;
using SchedulerMode = cluster::SchedulerMode;
using RouterPolicy = cluster::RouterPolicy;
using Fidelity = cluster::Fidelity;
using cluster::kFidelityNames;
using cluster::kRouterPolicyNames;
using cluster::kSchedulerModeNames;

}  // namespace ltdes::serving
