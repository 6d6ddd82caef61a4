// SPDX-License-Identifier: MIT
#pragma once

#include "ltdes/trace/request_record.hpp"
#include "ltdes/trace/trace_header.hpp"
#include "ltdes/workload/op.hpp"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>

namespace ltdes::trace {

/// Longest line the reader accepts, in bytes (newline excluded).
inline constexpr std::size_t kMaxTraceLineBytes = std::size_t{64} * 1024;

/// Streaming, strict reader of lt-trace files (docs/trace-format.md): version 1 holds a static
/// batch's ops (read them with next()), version 2 request records (next_request()); calling
/// the other one throws TraceError. Memory does not grow
/// with the number of op lines: only the bodies of `repeat` blocks are kept, and they are
/// expanded on the fly. Every defect throws ltdes::TraceError("<file>:<line>: <what was
/// expected>"); nothing is defaulted silently. Not thread-safe.
class TraceReader {
public:
    /// Opens `path` and reads the magic, model and workload (version 2: requests) lines.
    explicit TraceReader(const std::filesystem::path& path);
    ~TraceReader();
    TraceReader(const TraceReader&) = delete;
    TraceReader& operator=(const TraceReader&) = delete;

    const TraceHeader& header() const;

    /// Writes the next op (repeats expanded, ids absolute) into `op`, reusing its storage.
    /// Returns false once the end marker has been read and checked.
    bool next(workload::Op& op);

    /// Line of the op returned last (inside a repeat block: its template's line), for messages
    /// about an op that later stages reject.
    std::size_t line() const;

    /// Ops returned so far.
    std::uint64_t ops_read() const;

    /// Version 2: writes the next request into `r`, checked (ids increasing, arrivals not
    /// decreasing, 1 <= tokens, prompt + decode <= max_context). Returns false once the end
    /// marker has been read and checked. Memory does not grow with the request count.
    bool next_request(RequestRecord& r);

    /// Requests returned so far.
    std::uint64_t requests_read() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace ltdes::trace
