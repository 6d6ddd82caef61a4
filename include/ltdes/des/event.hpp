// SPDX-License-Identifier: MIT
#pragma once

#include "ltdes/core/assert.hpp"
#include "ltdes/core/ids.hpp"
#include "ltdes/core/sim_time.hpp"

#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <tuple>
#include <type_traits>

namespace ltdes::des {

/// Bytes of model data an event carries inline (no heap, memcpy across MPI).
inline constexpr std::size_t kPayloadBytes = 48;

/// A message type an LP may send: trivially copyable, at most kPayloadBytes, with a
/// `static constexpr std::uint16_t kKind` tag that the receiver switches on.
template <class T>
concept Payload = std::is_trivially_copyable_v<T> && sizeof(T) <= kPayloadBytes &&
                  alignof(T) <= 8 && requires {
    { T::kKind } -> std::convertible_to<std::uint16_t>;
};

/// One scheduled message. Events are ordered by order_key() = (time, src, seq), which is
/// unique (seq is a per-source counter stamped by the engine) and independent of partitioning,
/// threads and insertion order. 80 bytes, no padding, trivially copyable.
struct Event {
    /// When the event is executed at `dst`, in ps.
    SimTime time;
    /// Per-source sequence number (0, 1, 2, … for each `src`), stamped by the engine.
    std::uint64_t seq = 0;
    /// Receiving LP.
    LpId dst{};
    /// Sending LP (the receiver itself for self-sends and start events).
    LpId src{};
    /// Payload type tag (`T::kKind` of the payload).
    std::uint16_t kind = 0;
    /// Reserved, always 0 (keeps the struct free of padding bytes).
    std::uint16_t reserved16 = 0;
    /// Reserved, always 0.
    std::uint32_t reserved32 = 0;
    /// The payload bytes; bytes past sizeof(T) are zero.
    alignas(8) std::array<std::byte, kPayloadBytes> payload{};

    /// The total order of events: (time, source LP, per-source sequence).
    auto order_key() const { return std::tuple(time, src, seq); }

    /// The payload as T; throws InternalError when `kind` is not T::kKind.
    template <Payload T>
    T as() const {
        LTDES_ASSERT(kind == T::kKind, "event kind {} read as kind {}", kind, T::kKind);
        T out;
        std::memcpy(&out, payload.data(), sizeof(T));
        return out;
    }

    /// Stores `msg` as the payload and sets `kind` to T::kKind.
    template <Payload T>
    void set_payload(const T& msg) {
        kind = T::kKind;
        std::memcpy(payload.data(), &msg, sizeof(T));
    }
};

static_assert(std::is_trivially_copyable_v<Event>);
static_assert(sizeof(Event) == 32 + kPayloadBytes, "Event must have no padding");

/// Strict "a before b" in event order.
inline bool precedes(const Event& a, const Event& b) {
    if (a.time != b.time) {
        return a.time < b.time;
    }
    if (a.src != b.src) {
        return a.src < b.src;
    }
    return a.seq < b.seq;
}

}  // namespace ltdes::des
