// SPDX-License-Identifier: MIT
#pragma once

#include "ltdes/photonic/arch_spec.hpp"
#include "ltdes/photonic/op_cost.hpp"
#include "ltdes/workload/op.hpp"

namespace ltdes::photonic {

/// Digital FLOPs per element of a non-matmul kind (docs/model.md: GELU 8, LayerNorm 5, add 1;
/// lt-des's own choices for the kinds the reference lacks are listed in docs/model.md).
/// Softmax and router also pay the per-byte softmax energy (softmax_pj_per_element).
double flops_per_element(workload::OpKind kind);

/// Energy of one digital FLOP (pJ): the reference charges 100e-12 mJ per FLOP.
inline constexpr double kFlopPj = 0.1;

/// Softmax energy per element at `bits` (pJ): 51.6/44.8 pJ per byte.
double softmax_pj_per_element(unsigned bits);

/// Cost of an element-wise op over `elements` values at the arch precision: digital energy,
/// SRAM (GB) traffic `2 · GB2 · b/16` per element and time `elements · b / BW_SRAM`.
OpCost element_wise_cost(const ArchSpec& arch, workload::OpKind kind, double elements);

/// Cost of moving `elements` values at the arch precision between DRAM and the chip (lookup,
/// KV-cache read/write): energy at the arch's DRAM constant, time = bytes / bandwidth + latency.
OpCost dram_transfer_cost(const ArchSpec& arch, double elements, const MemorySpec& mem);

}  // namespace ltdes::photonic
