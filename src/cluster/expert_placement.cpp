// SPDX-License-Identifier: MIT
#include "ltdes/cluster/expert_placement.hpp"

#include "ltdes/core/assert.hpp"

namespace ltdes::cluster {

std::uint32_t ep_lane(const Plan& plan, std::uint32_t chip) {
    return plan.coord(chip).dp % plan.ep();
}

std::uint32_t ep_peer(const Plan& plan, std::uint32_t chip, std::uint32_t lane) {
    const ChipCoord c = plan.coord(chip);
    return plan.chip(ChipCoord{c.dp - c.dp % plan.ep() + lane, c.pp, c.tp});
}

MoeExchange moe_exchange(const Plan& plan,
                         const workload::MoeSpec& moe,
                         std::uint32_t chip,
                         const workload::Op& router,
                         std::uint32_t mb) {
    const std::uint32_t ep = plan.ep();
    const std::uint32_t batch = plan.workload().batch;
    LTDES_ASSERT(router.m % batch == 0, "router op {}: {} tokens over a batch of {}", router.id,
                 router.m, batch);
    const std::uint64_t per_request = router.m / batch;
    const std::uint32_t me = ep_lane(plan, chip);
    const std::uint32_t base = plan.coord(chip).dp - me;
    std::vector<workload::LaneTokens> lanes(ep);
    for (std::uint32_t j = 0; j < ep; ++j) {
        const Range r = plan.requests(base + j);
        const Range m = plan.microbatch_requests(base + j, mb);
        lanes[j] = workload::LaneTokens{std::uint64_t{r.begin} + m.begin, m.count, per_request};
    }
    const std::uint32_t pass =
        router.phase == workload::Phase::decode ? router.step + 1 : std::uint32_t{0};
    const auto layer = static_cast<std::uint32_t>(router.layer < 0 ? 0 : router.layer);
    const std::uint32_t experts = plan.model().n_experts;
    const workload::GroupRouting g =
        workload::route_group(moe, experts, plan.model().top_k, layer, pass, lanes);
    MoeExchange x;
    x.send_picks.assign(ep, 0);
    x.recv_picks.assign(ep, 0);
    for (std::uint32_t e = 0; e < experts; ++e) {
        const std::uint32_t owner = e % ep;
        x.send_picks[owner] += g.kept_at(me, e);
        if (owner == me) {
            std::uint64_t rows = 0;
            for (std::uint32_t j = 0; j < ep; ++j) {
                x.recv_picks[j] += g.kept_at(j, e);
                rows += g.kept_at(j, e);
            }
            x.expert_rows.push_back(rows);
        }
    }
    x.dropped = g.dropped[me];
    return x;
}

bool is_expert_op_name(std::string_view name) {
    const auto dot = name.rfind(".e");
    if (dot == std::string_view::npos || dot + 2 >= name.size()) {
        return false;
    }
    for (std::size_t i = dot + 2; i < name.size(); ++i) {
        if (name[i] < '0' || name[i] > '9') {
            return false;
        }
    }
    return true;
}

}  // namespace ltdes::cluster
