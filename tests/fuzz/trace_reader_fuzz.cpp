// SPDX-License-Identifier: MIT
// Fuzz target: the lt-trace reader: version 1 (static batch) in its compact (repeat blocks) and
// flat forms, and version 2 (request records). Any input must read to the end or throw
// ltdes::Error; anything else (a crash, a sanitizer report, another exception, a hang) is a
// finding.
#include "fuzz_input.hpp"

#include "ltdes/core/error.hpp"
#include "ltdes/trace/request_record.hpp"
#include "ltdes/trace/trace_reader.hpp"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    // Legitimate traces expand to millions of ops: stop after enough to cover every line kind.
    constexpr std::uint64_t kMaxOps = 4096;
    try {
        ltdes::trace::TraceReader reader(ltdes::fuzz::input_path(data, size));
        if (reader.header().version == ltdes::trace::kRequestTraceFormatVersion) {
            ltdes::trace::RequestRecord r;
            while (reader.requests_read() < kMaxOps && reader.next_request(r)) {
            }
        } else {
            ltdes::workload::Op op;
            while (reader.ops_read() < kMaxOps && reader.next(op)) {
            }
        }
    } catch (const ltdes::Error&) {
    }
    return 0;
}
