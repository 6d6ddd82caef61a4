// SPDX-License-Identifier: MIT
#include "ltdes/workload/op.hpp"

#include <cstddef>

namespace ltdes::workload {

namespace {

template <class Enum, std::size_t N>
std::optional<Enum> find_name(const std::array<std::string_view, N>& names, std::string_view s) {
    for (std::size_t i = 0; i < N; ++i) {
        if (names[i] == s) {
            return static_cast<Enum>(i);
        }
    }
    return std::nullopt;
}

}  // namespace

std::optional<OpKind> parse_op_kind(std::string_view s) {
    return find_name<OpKind>(kOpKindNames, s);
}

std::optional<Phase> parse_phase(std::string_view s) {
    return find_name<Phase>(kPhaseNames, s);
}

}  // namespace ltdes::workload
