// SPDX-License-Identifier: MIT
#include "trace/line_reader.hpp"

#include "ltdes/core/error.hpp"
#include "ltdes/core/input_file.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>

namespace ltdes::trace {

LineReader::LineReader(const std::filesystem::path& path, std::size_t max_line)
    : path_(path.string()),
      max_line_(max_line),
      capacity_(std::max<std::size_t>(1 << 20, 2 * max_line + 2)),
      buf_(std::make_unique_for_overwrite<char[]>(capacity_)) {
    // stat only: opening a FIFO would block, and a FIFO or device cannot be read twice.
    if (const auto why = not_a_regular_file(path)) {
        throw TraceError(
            fmt::format("{}: the trace {}: lt-des reads a trace more than once (on every "
                        "rank); write it to a file first",
                        path_, *why));
    }
    file_ = std::fopen(path_.c_str(), "rb");
    if (file_ == nullptr) {
        // error_code::message rather than strerror, which is not thread-safe.
        const std::error_code err(errno, std::generic_category());
        throw TraceError(fmt::format("{}: cannot open trace file: {}", path_, err.message()));
    }
}

LineReader::~LineReader() {
    if (file_ != nullptr) {
        std::fclose(file_);
    }
}

void LineReader::fail(std::string_view what) const {
    fail_at(line_, what);
}

void LineReader::fail_at(std::size_t line, std::string_view what) const {
    throw TraceError(fmt::format("{}:{}: {}", path_, line, what));
}

bool LineReader::refill() {
    if (eof_) {
        return false;
    }
    if (begin_ > 0) {
        std::memmove(buf_.get(), buf_.get() + begin_, end_ - begin_);
        end_ -= begin_;
        begin_ = 0;
    }
    const std::size_t got = std::fread(buf_.get() + end_, 1, capacity_ - end_, file_);
    if (got == 0) {
        if (std::ferror(file_) != 0) {
            fail_at(line_ + 1, "read error");
        }
        eof_ = true;
        return false;
    }
    end_ += got;
    return true;
}

std::optional<std::string_view> LineReader::next() {
    std::size_t scanned = begin_;  // bytes before this offset hold no newline
    for (;;) {
        const void* nl = std::memchr(buf_.get() + scanned, '\n', end_ - scanned);
        if (nl != nullptr) {
            const std::size_t pos =
                static_cast<std::size_t>(static_cast<const char*>(nl) - buf_.get());
            std::string_view line(buf_.get() + begin_, pos - begin_);
            begin_ = pos + 1;
            ++line_;
            if (line.size() > max_line_) {
                fail(fmt::format("line is longer than {} bytes", max_line_));
            }
            if (!line.empty() && line.back() == '\r') {
                line.remove_suffix(1);
            }
            for (const char c : line) {
                const auto u = static_cast<unsigned char>(c);
                if ((u < 0x20 && c != '\t') || u == 0x7f) {
                    fail(
                        fmt::format("unexpected control byte 0x{:02x}: expected text (is this a "
                                    "binary file?)",
                                    u));
                }
            }
            return line;
        }
        const std::size_t pending = end_ - begin_;
        if (pending > max_line_) {
            ++line_;
            fail(fmt::format("line is longer than {} bytes", max_line_));
        }
        if (!refill()) {
            if (end_ == begin_) {
                return std::nullopt;
            }
            // Last line without a newline: hand it out as a line of its own.
            buf_[end_] = '\n';
            ++end_;
            scanned = begin_ + pending;
            continue;
        }
        scanned = begin_ + pending;
    }
}

}  // namespace ltdes::trace
