// SPDX-License-Identifier: MIT
#pragma once

#include "ltdes/photonic/arch_spec.hpp"

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace ltdes::config {

/// Loads an arch YAML in the authors' schema (`device:`, `core:`, `arch:`). The first
/// `default.yaml` found in the file's folder or above it is merged first (the reference's rule),
/// else lt-des's built-in default; the named file goes on top. A `path` that does not exist
/// but is a built-in name (`Dota_B_4bit`, optionally with `.yaml`) loads the built-in config.
/// Unknown keys, wrong types and out-of-range values throw ConfigError naming the file and the
/// key path. The result is validated; `--opt` is not applied.
photonic::ArchSpec load_arch(const std::string& path);

/// A built-in arch (compiled from configs/arch/), or nullopt for an unknown name.
std::optional<photonic::ArchSpec> builtin_arch(std::string_view name);

/// Names of the built-in arch configs (the eight of the paper, then the GPU baselines).
std::span<const std::string_view> builtin_arch_names();

/// The built-in default arch: DOTA-B 4-bit (docs/commands.md).
inline constexpr std::string_view kDefaultArchName = "Dota_B_4bit";

/// Overlays the YAML document `text` on `spec` (keys present replace values). `where` names
/// the file in error messages. Does not validate.
void overlay_arch_yaml(photonic::ArchSpec& spec, std::string_view text, std::string_view where);

}  // namespace ltdes::config
