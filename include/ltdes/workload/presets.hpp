// SPDX-License-Identifier: MIT
#pragma once

#include "ltdes/workload/model_shape.hpp"

#include <optional>
#include <span>
#include <string_view>

namespace ltdes::workload {

/// The built-in model shapes (values from docs/trace-format.md and the paper's table; the choices
/// made where published configs disagree are listed in docs/trace-format.md). Names: deit-t,
/// deit-s, deit-b, bert-b, bert-l, gpt2, gpt2-medium, gpt2-large, gpt2-xl, gpt3-125m, gpt3-350m,
/// gpt3-760m, gpt3-1.3b, gpt3-2.7b, gpt3-6.7b, gpt3-13b, gpt3-175b, llama2-7b, llama2-13b,
/// llama2-70b, llama3-8b, llama3-70b, mixtral-8x7b, and `tiny` (2-layer decoder for tests).
std::optional<ModelShape> find_preset(std::string_view name);

/// Every preset name, in the order above.
std::span<const std::string_view> preset_names();

}  // namespace ltdes::workload
