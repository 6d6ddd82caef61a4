// SPDX-License-Identifier: MIT
// The dictionary of op names that /timeline's `op_name` column indexes (docs/output.md).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace ltdes::workload {

/// Op names in order of first appearance in the trace, after `static` (index 0, the name of
/// the static-energy row). Built from the op stream, which every rank reads whole and in
/// trace order, so the table is the same for any rank and thread count.
class OpNameTable {
public:
    OpNameTable() { intern("static"); }

    /// Index of `name`, added at the end when new.
    std::uint32_t intern(std::string_view name) {
        const auto [it, added] =
            index_.try_emplace(std::string(name), static_cast<std::uint32_t>(names_.size()));
        if (added) {
            names_.emplace_back(name);
        }
        return it->second;
    }

    /// The names; index = stored value.
    const std::vector<std::string>& names() const { return names_; }

private:
    std::vector<std::string> names_;
    std::unordered_map<std::string, std::uint32_t> index_;
};

}  // namespace ltdes::workload
