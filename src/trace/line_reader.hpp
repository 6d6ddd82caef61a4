// SPDX-License-Identifier: MIT
// Buffered line splitter for trace files: bounded line length, rejects binary data.
#pragma once

#include <cstddef>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace ltdes::trace {

/// Reads a file line by line through a fixed buffer. Lines are returned without their newline
/// (and without a trailing '\r'); a line longer than `max_line` bytes or one holding a control
/// byte throws TraceError naming the file and line.
class LineReader {
public:
    LineReader(const std::filesystem::path& path, std::size_t max_line);
    ~LineReader();
    LineReader(const LineReader&) = delete;
    LineReader& operator=(const LineReader&) = delete;

    /// The next line, or nullopt at end of file. The view is valid until the next call.
    std::optional<std::string_view> next();

    /// Number of the line last returned (1-based).
    std::size_t line() const { return line_; }

    const std::string& path() const { return path_; }

    /// Throws TraceError("<path>:<line>: <what>").
    [[noreturn]] void fail(std::string_view what) const;

    [[noreturn]] void fail_at(std::size_t line, std::string_view what) const;

private:
    bool refill();

    std::string path_;
    std::FILE* file_ = nullptr;
    std::size_t max_line_;
    // Not zeroed: a fresh 1 MiB buffer costs page faults only where read() writes.
    std::size_t capacity_;
    std::unique_ptr<char[]> buf_;
    std::size_t begin_ = 0;
    std::size_t end_ = 0;
    bool eof_ = false;
    std::size_t line_ = 0;
};

}  // namespace ltdes::trace
