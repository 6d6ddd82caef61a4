// SPDX-License-Identifier: MIT
// Fuzz target: the lt-trace reader, compact (repeat blocks) and flat forms. Any input must read
// to the end or throw ltdes::Error; anything else (a crash, a sanitizer report, another
// exception, a hang) is a finding.
#include "fuzz_input.hpp"

#include "ltdes/core/error.hpp"
#include "ltdes/trace/trace_reader.hpp"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    // Legitimate traces expand to millions of ops: stop after enough to cover every line kind.
    constexpr std::uint64_t kMaxOps = 4096;
    try {
        ltdes::trace::TraceReader reader(ltdes::fuzz::input_path(data, size));
        ltdes::workload::Op op;
        while (reader.ops_read() < kMaxOps && reader.next(op)) {
        }
    } catch (const ltdes::Error&) {
    }
    return 0;
}
