// SPDX-License-Identifier: MIT
// Placeholder until the workload engineer's presets land on main (then this file is dropped).
#pragma once

#include "ltdes/workload/model_shape.hpp"

#include <optional>
#include <string_view>

namespace ltdes::workload {

/// The shape of a named model preset (deit-t/s/b, bert-b, bert-l), or nullopt.
std::optional<ModelShape> find_preset(std::string_view name);

}  // namespace ltdes::workload
