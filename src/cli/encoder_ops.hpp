// SPDX-License-Identifier: MIT
// A minimal encoder op list for `estimate` until workload::build_workload lands on main (then
// this file goes: build_workload covers encoders and decoders).
#pragma once

#include "ltdes/workload/model_shape.hpp"
#include "ltdes/workload/op.hpp"

#include <cstdint>
#include <vector>

namespace ltdes::cli {

/// The ops of one forward pass of a DeiT/BERT encoder over `batch` sequences of `tokens`, real
/// layer count and real FFN width (CONTRACTS.md §2 mapping).
std::vector<workload::Op> encoder_ops(const workload::ModelShape& shape,
                                      std::uint32_t batch,
                                      std::uint32_t tokens);

}  // namespace ltdes::cli
