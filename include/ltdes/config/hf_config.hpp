// SPDX-License-Identifier: MIT
#pragma once

#include "ltdes/workload/model_shape.hpp"

#include <filesystem>

namespace ltdes::config {

/// Reads a local Hugging Face `config.json` into a ModelShape (docs/commands.md). The model name
/// is the file name without `.json`. Supported `model_type`s: gpt2, bert, vit, deit, llama,
/// mistral, mixtral. An unknown model_type, a missing required key, or a value of the wrong type
/// throws ltdes::ConfigError("<file>: key '<key>': <what was expected>").
workload::ModelShape load_hf_config(const std::filesystem::path& path);

}  // namespace ltdes::config
