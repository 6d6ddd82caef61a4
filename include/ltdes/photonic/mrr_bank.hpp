// SPDX-License-Identifier: MIT
#pragma once

#include "ltdes/photonic/cost_model.hpp"

namespace ltdes::photonic {

/// Cost model of the MRR weight-bank baseline (docs/model.md, §7.2).
class MrrBankCostModel final : public CostModel {
public:
    MrrBankCostModel(const ArchSpec& arch, CostOptions options) : CostModel(arch, options) {}

    GemmCost matmul(const MatmulShape& shape, const MemorySpec& mem) const override;
};

}  // namespace ltdes::photonic
