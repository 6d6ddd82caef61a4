// SPDX-License-Identifier: MIT
#pragma once

#include "ltdes/core/ids.hpp"

#include <cstdint>

namespace ltdes::des {

/// Maps every LP to the rank that owns it (like ROSS `map`). A pure function of the LP id, the
/// LP count and the rank count, so every rank computes the same map. Results never depend on
/// the partition; only speed does.
class Partitioner {
public:
    virtual ~Partitioner() = default;

    /// Owner of `lp` among `ranks` ranks; `lp` < `lp_count`, `ranks` >= 1.
    virtual RankId rank_of(LpId lp, std::uint32_t lp_count, int ranks) const = 0;
};

/// Contiguous blocks: the first lp_count % ranks ranks get one LP more. Keeps neighbours
/// together (a chip's pipeline stage next to its peers).
class BlockPartitioner final : public Partitioner {
public:
    RankId rank_of(LpId lp, std::uint32_t lp_count, int ranks) const override;
};

/// LP i goes to rank i % ranks. Spreads load when LP ids cluster the work.
class RoundRobinPartitioner final : public Partitioner {
public:
    RankId rank_of(LpId lp, std::uint32_t lp_count, int ranks) const override;
};

}  // namespace ltdes::des
