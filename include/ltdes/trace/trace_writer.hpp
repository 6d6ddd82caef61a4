// SPDX-License-Identifier: MIT
#pragma once

#include "ltdes/trace/trace_header.hpp"
#include "ltdes/workload/op.hpp"

#include <cstdint>
#include <memory>
#include <ostream>

namespace ltdes::trace {

/// Writes an lt-trace 1 file (docs/trace-format.md). In compact mode (the default), runs of
/// identical layers become `repeat layer N` blocks and runs of decode steps whose sizes grow
/// linearly with the step become `repeat step N` blocks, found automatically from the op stream,
/// so any op source gets the compact form and reading then writing a trace reproduces it byte
/// for byte. Compact mode buffers one pass (one step's ops); flat mode streams.
class TraceWriter {
public:
    /// Writes the magic, model and workload lines to `out` (which must outlive the writer).
    TraceWriter(std::ostream& out, const TraceHeader& header, bool compact = true);
    ~TraceWriter();
    TraceWriter(const TraceWriter&) = delete;
    TraceWriter& operator=(const TraceWriter&) = delete;

    /// Appends one op. Ids must be contiguous from 0 and deps name earlier ids (InternalError
    /// otherwise: writers are fed by lt-des itself, not by users).
    void write(const workload::Op& op);

    /// Writes pending ops and the end marker `end <op count>`; call exactly once.
    void finish();

    std::uint64_t op_count() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace ltdes::trace
