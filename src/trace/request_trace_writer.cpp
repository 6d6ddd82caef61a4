// SPDX-License-Identifier: MIT
#include "ltdes/trace/request_trace_writer.hpp"

#include "ltdes/core/error.hpp"
#include "ltdes/trace/trace_header.hpp"

#include <fmt/format.h>

#include <string>

namespace ltdes::trace {

RequestTraceWriter::RequestTraceWriter(std::ostream& out,
                                       const workload::ModelShape& model,
                                       std::uint32_t bits)
    : out_(out), model_(model) {
    if (model.is_encoder()) {
        throw InternalError(fmt::format("request trace for encoder model '{}'", model.name));
    }
    if (bits == 0 || bits > 32) {
        throw InternalError(fmt::format("request trace with {} bits", bits));
    }
    out_ << "lt-trace " << kRequestTraceFormatVersion << '\n'
         << format_model_line(model) << '\n'
         << format_requests_line(bits) << '\n'
         << "# id arrival_s prompt decode\n";
}

void RequestTraceWriter::write(const RequestRecord& r) {
    const bool fits = r.prompt_tokens >= 1 && r.decode_tokens >= 1 &&
                      r.prompt_tokens <= model_.max_context &&
                      r.decode_tokens <= model_.max_context - r.prompt_tokens;
    const bool ordered = !last_ || (r.id > last_->id && r.arrival >= last_->arrival);
    if (finished_ || !fits || !ordered || r.arrival < SimTime::zero()) {
        throw InternalError(fmt::format("request trace writer: invalid request {} at {} ps", r.id,
                                        r.arrival.in_ps()));
    }
    out_ << format_request_line(r) << '\n';
    last_ = r;
    ++count_;
}

void RequestTraceWriter::finish() {
    if (finished_) {
        throw InternalError("request trace writer: finish() called twice");
    }
    finished_ = true;
    out_ << "end " << count_ << '\n';
}

void write_request_trace(std::ostream& out,
                         const workload::ModelShape& model,
                         std::uint32_t bits,
                         const std::vector<RequestRecord>& requests) {
    RequestTraceWriter writer(out, model, bits);
    for (const RequestRecord& r : requests) {
        writer.write(r);
    }
    writer.finish();
}

}  // namespace ltdes::trace
