// SPDX-License-Identifier: MIT
#pragma once

#include "ltdes/core/sim_time.hpp"
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

/// Distribution of one token count over the requests of a request trace.
struct TokenStats {
    std::uint64_t min = 0;
    std::uint64_t p50 = 0;  ///< nearest-rank percentiles
    std::uint64_t p90 = 0;
    std::uint64_t p99 = 0;
    std::uint64_t max = 0;
    std::uint64_t total = 0;
    double mean = 0.0;
};

/// What `lt-des trace validate` prints for a request trace (lt-trace 2).
struct RequestTraceSummary {
    TraceHeader header;
    std::uint64_t requests = 0;
    SimTime first_arrival;
    SimTime last_arrival;
    double offered_rate = 0.0;  ///< requests/s: (requests - 1) / (last - first); 0 if no span
    TokenStats prompt;
    TokenStats decode;
};

/// Reads the request trace at `path` and summarizes it; throws TraceError on bad input, and
/// when `path` is a version-1 trace.
RequestTraceSummary summarize_request_trace(const std::filesystem::path& path);

std::string format_request_summary(const RequestTraceSummary& s, const std::string& path);

}  // namespace ltdes::trace
