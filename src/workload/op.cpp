// SPDX-License-Identifier: MIT
#include "ltdes/workload/op.hpp"

#include "workload/name_lookup.hpp"

namespace ltdes::workload {

std::optional<OpKind> parse_op_kind(std::string_view s) {
    return find_name<OpKind>(kOpKindNames, s);
}

std::optional<Phase> parse_phase(std::string_view s) {
    return find_name<Phase>(kPhaseNames, s);
}

}  // namespace ltdes::workload
