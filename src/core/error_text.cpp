// SPDX-License-Identifier: MIT
#include "ltdes/core/error_text.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace ltdes {

namespace {

/// Appends `text` with control bytes escaped, stopping before `limit` output bytes (at a UTF-8
/// character boundary); returns false when it had to stop early.
bool append_escaped(std::string& out, std::string_view text, std::size_t limit) {
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto u = static_cast<unsigned char>(text[i]);
        std::string piece;
        if (u == '\n') {
            piece = "\\n";
        } else if (u == '\r') {
            piece = "\\r";
        } else if (u == '\t') {
            piece = "\\t";
        } else if (u < 0x20 || u == 0x7f) {
            piece = fmt::format("\\x{:02x}", u);
        } else {
            piece.assign(1, text[i]);
        }
        // Never cut a multi-byte character: stop at a lead byte (or ASCII) only.
        const bool boundary = (u & 0xC0U) != 0x80U;
        if (boundary && out.size() + piece.size() > limit) {
            return false;
        }
        out += piece;
    }
    return true;
}

std::string clipped(std::string_view text, std::size_t limit) {
    std::string out;
    out.reserve(std::min(text.size(), limit) + 4);
    if (!append_escaped(out, text, limit)) {
        out += "…";
    }
    return out;
}

}  // namespace

std::string clip_value(std::string_view value) {
    return clipped(value, kMaxQuotedValueBytes);
}

std::string one_line(std::string_view message) {
    return clipped(message, kMaxErrorMessageBytes);
}

}  // namespace ltdes
