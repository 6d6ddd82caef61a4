// SPDX-License-Identifier: MIT
#pragma once

#include "ltdes/core/error.hpp"

#include <fmt/format.h>

/// Always-on invariant check: throws ltdes::InternalError with the location and a formatted
/// message. Cheap enough for everything but the innermost loops (use LTDES_DEBUG_ASSERT there).
#define LTDES_ASSERT(cond, ...)                                                                    \
    do {                                                                                           \
        if (!(cond)) [[unlikely]] {                                                                \
            throw ::ltdes::InternalError(fmt::format("{}:{}: assertion `{}` failed: {}", __FILE__, \
                                                     __LINE__, #cond, fmt::format(__VA_ARGS__)));  \
        }                                                                                          \
    } while (false)

#ifdef NDEBUG
#define LTDES_DEBUG_ASSERT(cond, ...) \
    do {                              \
    } while (false)
#else
#define LTDES_DEBUG_ASSERT(cond, ...) LTDES_ASSERT(cond, __VA_ARGS__)
#endif

/// Marks code that must never run.
#define LTDES_UNREACHABLE(...)    \
    throw ::ltdes::InternalError( \
        fmt::format("{}:{}: unreachable: {}", __FILE__, __LINE__, fmt::format(__VA_ARGS__)))
