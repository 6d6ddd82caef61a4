// SPDX-License-Identifier: MIT
#pragma once

#include <fmt/format.h>

#include <cstdio>

namespace ltdes::log {

/// Prints `lt-des: warning: <message>` on stderr (stdout holds only requested output).
template <class... Args>
void warn(fmt::format_string<Args...> f, Args&&... args) {
    fmt::print(stderr, "lt-des: warning: {}\n", fmt::format(f, std::forward<Args>(args)...));
}

/// Prints `lt-des: <message>` on stderr (progress and notes).
template <class... Args>
void info(fmt::format_string<Args...> f, Args&&... args) {
    fmt::print(stderr, "lt-des: {}\n", fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace ltdes::log
