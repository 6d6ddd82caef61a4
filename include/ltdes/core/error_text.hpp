// SPDX-License-Identifier: MIT
// Error messages stay one readable line whatever the input holds: values quoted from a file are
// clipped, control bytes (CR, LF, NUL, …) are escaped.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace ltdes {

/// Longest value an error message quotes from the input, in bytes; longer ones are cut and end
/// in "…" (a 1 MB line must not become a 1 MB error).
inline constexpr std::size_t kMaxQuotedValueBytes = 80;

/// Longest error message printed, in bytes (a backstop for values no call site clipped).
inline constexpr std::size_t kMaxErrorMessageBytes = 1024;

/// `value` fit for an error message: control bytes written as `\r`, `\n`, `\t`, `\xNN`, and cut
/// to kMaxQuotedValueBytes at a UTF-8 character boundary followed by "…".
std::string clip_value(std::string_view value);

/// `message` as one line: control bytes escaped as in clip_value, the whole cut to
/// kMaxErrorMessageBytes followed by "…". The CLI prints every error through it.
std::string one_line(std::string_view message);

}  // namespace ltdes
