// SPDX-License-Identifier: MIT
#include "cli/progress_line.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <string>
#include <unistd.h>

namespace ltdes::cli {

ProgressLine::ProgressLine(bool enabled, std::uint64_t expected_events)
    : enabled_(enabled), tty_(isatty(fileno(stderr)) != 0), expected_(expected_events) {}

void ProgressLine::operator()(const des::WindowProgress& p) {
    if (!enabled_) {
        return;
    }
    const double interval = tty_ ? 0.5 : 10.0;
    if (p.wall_seconds - last_ < interval) {
        return;
    }
    last_ = p.wall_seconds;
    const double done = static_cast<double>(p.global_events);
    const double rate = p.wall_seconds > 0 ? done / p.wall_seconds : 0.0;
    std::string share;
    if (expected_ > 0 && rate > 0 && p.global_events <= expected_) {
        const double left = static_cast<double>(expected_ - p.global_events);
        share = fmt::format(" of ~{} ({:.0f} %), ETA {:.0f} s", expected_,
                            100.0 * done / static_cast<double>(expected_), left / rate);
    }
    fmt::print(stderr,
               "{}lt-des: simulated {:.6f} s, {} events{}, {:.3g} events/s, {:.1f} s wall, "
               "sync {:.0f} %{}",
               tty_ ? "\r" : "", p.window_end.in_seconds(), p.global_events, share, rate,
               p.wall_seconds, p.wall_seconds > 0 ? 100.0 * p.sync_seconds / p.wall_seconds : 0.0,
               tty_ ? "" : "\n");
    printed_ = true;
}

void ProgressLine::done() const {
    if (enabled_ && tty_ && printed_) {
        fmt::print(stderr, "\n");
    }
}

}  // namespace ltdes::cli
