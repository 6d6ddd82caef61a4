// SPDX-License-Identifier: MIT
#pragma once

#include <fmt/format.h>

#include <cmath>
#include <compare>
#include <cstdint>
#include <limits>

namespace ltdes {

/// Simulated time: an integer count of picoseconds (never a double, so sums are exact and
/// event order is identical on every rank). Trivially copyable; 8 bytes.
class SimTime {
public:
    constexpr SimTime() = default;

    static constexpr SimTime from_ps(std::int64_t ps) { return SimTime(ps); }

    static constexpr SimTime from_ns(std::int64_t ns) { return SimTime(ns * 1000); }

    static constexpr SimTime from_us(std::int64_t us) { return SimTime(us * 1000000); }

    static constexpr SimTime zero() { return SimTime(0); }

    /// A duration in seconds rounded UP to whole picoseconds: how every op's cost-model latency
    /// becomes simulated time (docs/units.md), so a run never finishes before the analytical sum.
    static SimTime ceil_seconds(double seconds) {
        return SimTime(static_cast<std::int64_t>(std::ceil(seconds * 1e12)));
    }

    /// The largest representable time; used as "no event pending".
    static constexpr SimTime max() { return SimTime(std::numeric_limits<std::int64_t>::max()); }

    constexpr std::int64_t in_ps() const { return ps_; }

    /// Seconds as a double, for reporting only.
    constexpr double in_seconds() const { return static_cast<double>(ps_) * 1e-12; }

    friend constexpr auto operator<=>(SimTime, SimTime) = default;

    friend constexpr SimTime operator+(SimTime a, SimTime b) { return SimTime(a.ps_ + b.ps_); }

    friend constexpr SimTime operator-(SimTime a, SimTime b) { return SimTime(a.ps_ - b.ps_); }

    constexpr SimTime& operator+=(SimTime o) {
        ps_ += o.ps_;
        return *this;
    }

private:
    constexpr explicit SimTime(std::int64_t ps) : ps_(ps) {}

    std::int64_t ps_ = 0;
};

}  // namespace ltdes

template <>
struct fmt::formatter<ltdes::SimTime> : fmt::formatter<std::int64_t> {
    template <class Ctx>
    auto format(ltdes::SimTime t, Ctx& ctx) const {
        return fmt::formatter<std::int64_t>::format(t.in_ps(), ctx);
    }
};
