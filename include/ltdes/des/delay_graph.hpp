// SPDX-License-Identifier: MIT
#pragma once

#include "ltdes/core/ids.hpp"
#include "ltdes/core/sim_time.hpp"

#include <functional>

namespace ltdes::des {

/// Model knowledge of who can send to whom, and how soon: for every LP, the LPs it may ever
/// send to and a lower bound on the delay of those sends. The kernel turns it into per-rank-pair
/// delays (RankReach), so ranks whose LPs never talk never wait for each other. Without one,
/// every LP may send to every other LP with the lookahead as delay.
class DelayGraph {
public:
    virtual ~DelayGraph() = default;

    /// Calls visit(dst, min_delay) for every LP other than `src` that `src` may send to;
    /// `min_delay` (ps, >= the lookahead) bounds every such send from below. A send to an LP of
    /// another rank that breaks this promise is reported as a model bug (InternalError).
    virtual void for_each_target(LpId src,
                                 const std::function<void(LpId, SimTime)>& visit) const = 0;

    /// False when nothing `lp` receives can make it send sooner than its own earliest output
    /// says (LogicalProcess::output_ignores_input(), e.g. a router dispatching at trace
    /// arrivals): chains of sends then stop at it, so ranks whose LPs only talk through it do
    /// not wait for each other's events. Default: every LP passes chains on.
    virtual bool relays(LpId /*lp*/) const { return true; }
};

}  // namespace ltdes::des
