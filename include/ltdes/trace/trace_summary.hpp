// SPDX-License-Identifier: MIT
#pragma once

#include "ltdes/trace/trace_header.hpp"
#include "ltdes/workload/op.hpp"

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>

namespace ltdes::trace {

/// Totals over every op of a trace (what `lt-des trace validate` prints).
struct TraceSummary {
    TraceHeader header;
    std::uint64_t ops = 0;
    std::array<std::uint64_t, workload::kOpKindNames.size()> ops_by_kind{};
    std::uint64_t macs = 0;            ///< multiply-accumulates of gemm and bmm ops
    std::uint64_t weight_bytes = 0;    ///< bytes of gemm ops: weights read, summed over passes
    std::uint64_t kv_write_bytes = 0;  ///< bytes of kv_write ops
    std::uint64_t kv_read_bytes = 0;   ///< bytes of kv_read ops
    std::uint64_t lookup_bytes = 0;    ///< bytes of lookup ops (embedding rows)

    void add(const workload::Op& op);
};

/// Reads the whole trace at `path` (streaming) and totals it; throws TraceError on bad input.
TraceSummary summarize_trace(const std::filesystem::path& path);

/// Human-readable multi-line summary (ends with a newline).
std::string format_summary(const TraceSummary& s, const std::string& path);

}  // namespace ltdes::trace
