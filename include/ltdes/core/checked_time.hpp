// SPDX-License-Identifier: MIT
#pragma once

#include "ltdes/core/error.hpp"
#include "ltdes/core/sim_time.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstdint>

namespace ltdes {

/// Longest single op lt-des simulates: 2^62 ps (~53 days), half the range of SimTime so that
/// adding it to any reachable time cannot wrap.
inline constexpr std::int64_t kMaxOpDurationPs = std::int64_t{1} << 62;

/// `seconds` rounded up to whole picoseconds. A cost past kMaxOpDurationPs (or NaN) comes from
/// absurd but in-range inputs (a 1 kHz core running a 2^50-MAC op): that is bad input, reported
/// as ltdes::Error (exit 2), never a wrapped or negative duration.
inline SimTime op_duration_from_seconds(double seconds) {
    const double ps = std::ceil(seconds * 1e12);
    if (!(ps >= 0.0 && ps <= static_cast<double>(kMaxOpDurationPs))) {
        throw Error(fmt::format(
            "an op would last {} s of simulated time, more than the {:.0f} s lt-des can "
            "represent: check the arch (core.work_freq, sizes) and the trace's op sizes",
            seconds, static_cast<double>(kMaxOpDurationPs) * 1e-12));
    }
    return SimTime::ceil_seconds(seconds);
}

}  // namespace ltdes
