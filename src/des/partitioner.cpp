// SPDX-License-Identifier: MIT
#include "ltdes/des/partitioner.hpp"

#include "ltdes/core/assert.hpp"

namespace ltdes::des {

RankId BlockPartitioner::rank_of(LpId lp, std::uint32_t lp_count, int ranks) const {
    LTDES_ASSERT(ranks >= 1 && to_underlying(lp) < lp_count, "LP {} of {} on {} ranks", lp,
                 lp_count, ranks);
    const auto r = static_cast<std::uint64_t>(ranks);
    const std::uint64_t base = lp_count / r;
    const std::uint64_t extra = lp_count % r;  // the first `extra` ranks own base + 1 LPs
    const std::uint64_t id = to_underlying(lp);
    const std::uint64_t big = extra * (base + 1);
    const std::uint64_t rank = id < big ? id / (base + 1) : extra + (id - big) / base;
    return RankId{static_cast<std::int32_t>(rank)};
}

RankId RoundRobinPartitioner::rank_of(LpId lp, std::uint32_t lp_count, int ranks) const {
    LTDES_ASSERT(ranks >= 1 && to_underlying(lp) < lp_count, "LP {} of {} on {} ranks", lp,
                 lp_count, ranks);
    return RankId{static_cast<std::int32_t>(to_underlying(lp) % static_cast<std::uint32_t>(ranks))};
}

}  // namespace ltdes::des
