// SPDX-License-Identifier: MIT
#pragma once

#include "ltdes/photonic/cost_model.hpp"

namespace ltdes::photonic {

/// Cost model of DOTA crossbar (dynamically-operated photonic tensor core; docs/model.md, §7.1).
class DotaCostModel final : public CostModel {
public:
    DotaCostModel(const ArchSpec& arch, CostOptions options) : CostModel(arch, options) {}

    GemmCost matmul(const MatmulShape& shape, const MemorySpec& mem) const override;
};

}  // namespace ltdes::photonic
