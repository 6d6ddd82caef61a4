// SPDX-License-Identifier: MIT
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <type_traits>

namespace ltdes {

/// Global id of a logical process (0 .. number of LPs - 1), the same on every rank.
enum class LpId : std::uint32_t {};
/// MPI rank (or loopback rank in tests).
enum class RankId : std::int32_t {};
/// Index of a shard (a group of LPs run by one task) within a rank.
enum class ShardId : std::uint32_t {};

/// The integer behind a strong id.
template <class Id>
requires std::is_enum_v<Id>

constexpr auto to_underlying(Id id) {
    return static_cast<std::underlying_type_t<Id>>(id);
}

}  // namespace ltdes

template <class Id>
requires std::is_same_v<Id, ltdes::LpId> || std::is_same_v<Id, ltdes::RankId> ||
    std::is_same_v<Id, ltdes::ShardId>

struct fmt::formatter<Id> : fmt::formatter<std::underlying_type_t<Id>> {
    template <class Ctx>
    auto format(Id id, Ctx& ctx) const {
        return fmt::formatter<std::underlying_type_t<Id>>::format(ltdes::to_underlying(id), ctx);
    }
};
