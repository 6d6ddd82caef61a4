// SPDX-License-Identifier: MIT
#include "ltdes/des/context.hpp"

#include "ltdes/core/error.hpp"

#include <fmt/format.h>

namespace ltdes::des {

void Context::time_overflow(LpId dst, SimTime delay) const {
    throw Error(fmt::format(
        "simulated time would pass the {:.0f} s (2^63 ps, about 106.75 days) lt-des can "
        "represent: LP {} at {:.6f} s sends LP {} an event {:.6f} s later; check the trace's "
        "arrival times and op sizes, and the arch's clocks",
        static_cast<double>(SimTime::max().in_ps()) * 1e-12, self_, now_.in_seconds(), dst,
        delay.in_seconds()));
}

}  // namespace ltdes::des
