// SPDX-License-Identifier: MIT
// Enum <-> name tables of the workload types (private to the workload module).
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>

namespace ltdes::workload {

/// The enum value whose name is `s` in `names` (indexed by value), or nullopt.
template <class Enum, std::size_t N>
std::optional<Enum> find_name(const std::array<std::string_view, N>& names, std::string_view s) {
    for (std::size_t i = 0; i < N; ++i) {
        if (names[i] == s) {
            return static_cast<Enum>(i);
        }
    }
    return std::nullopt;
}

}  // namespace ltdes::workload
