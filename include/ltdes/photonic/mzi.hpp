// SPDX-License-Identifier: MIT
#pragma once

#include "ltdes/photonic/cost_model.hpp"

namespace ltdes::photonic {

/// Cost model of the MZI-mesh baseline (docs/model.md, §7.3).
class MziCostModel final : public CostModel {
public:
    MziCostModel(const ArchSpec& arch, CostOptions options) : CostModel(arch, options) {}

    GemmCost matmul(const MatmulShape& shape, const MemorySpec& mem) const override;
};

}  // namespace ltdes::photonic
