// SPDX-License-Identifier: MIT
// The arch YAML texts of configs/arch/, compiled in by CMake (arch_builtin_data.cpp.in).
#pragma once

#include <span>
#include <string_view>

namespace ltdes::config::detail {

/// One built-in YAML file: its stem and its text.
struct BuiltinYaml {
    std::string_view name;
    std::string_view text;
};

/// Every built-in arch file, `default` included.
std::span<const BuiltinYaml> builtin_arch_yaml();

}  // namespace ltdes::config::detail
