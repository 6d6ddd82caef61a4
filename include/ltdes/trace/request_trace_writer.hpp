// SPDX-License-Identifier: MIT
#pragma once

#include "ltdes/trace/request_record.hpp"
#include "ltdes/workload/model_shape.hpp"

#include <cstdint>
#include <optional>
#include <ostream>
#include <vector>

namespace ltdes::trace {

/// Writes an lt-trace 2 request trace (docs/trace-format.md): magic, model line,
/// `requests bits=<b>`, one line per request, `end <count>`. Streams; the text is canonical,
/// so reading and writing again reproduces a file byte for byte.
class RequestTraceWriter {
public:
    /// Writes the header to `out` (which must outlive the writer). `model` must be a decoder.
    RequestTraceWriter(std::ostream& out, const workload::ModelShape& model, std::uint32_t bits);

    /// Appends one request. It must be valid for the model and follow the previous one (ids
    /// increasing, arrival not earlier): InternalError otherwise, as callers check user input
    /// before writing.
    void write(const RequestRecord& r);

    /// Writes the end marker; call exactly once.
    void finish();

    std::uint64_t count() const { return count_; }

private:
    std::ostream& out_;
    workload::ModelShape model_;
    std::optional<RequestRecord> last_;
    std::uint64_t count_ = 0;
    bool finished_ = false;
};

/// Writes `requests` as a whole request trace.
void write_request_trace(std::ostream& out,
                         const workload::ModelShape& model,
                         std::uint32_t bits,
                         const std::vector<RequestRecord>& requests);

}  // namespace ltdes::trace
