// SPDX-License-Identifier: MIT
#pragma once

#include "ltdes/core/sim_time.hpp"
#include "ltdes/trace/trace_header.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ltdes::trace {

/// One request of a serving trace (lt-trace 2 `request` records, docs/trace-format.md): it
/// arrives at `arrival` (picoseconds from the start of the trace), brings `prompt_tokens` of
/// prompt and asks for `decode_tokens` generated tokens. Both counts are >= 1 and their sum is
/// at most the model's context. Trivially copyable.
struct RequestRecord {
    std::uint64_t id = 0;
    SimTime arrival;
    std::uint64_t prompt_tokens = 0;
    std::uint64_t decode_tokens = 0;

    friend bool operator==(const RequestRecord&, const RequestRecord&) = default;
};

/// Every request record of the trace at `path`, in file order (arrival non-decreasing, ids
/// unique). Empty for a static-batch trace (version 1). Throws TraceError naming file:line.
std::vector<RequestRecord> read_request_records(const std::filesystem::path& path);

/// A whole request trace: its header (model, `workload.bits`) and its requests.
struct RequestTrace {
    TraceHeader header;
    std::vector<RequestRecord> requests;
};

/// Reads the trace at `path`; `requests` is empty for a version-1 trace (whose ops are then
/// not read). Throws TraceError naming file:line.
RequestTrace read_request_trace(const std::filesystem::path& path);

/// Seconds written exactly as the trace stores arrivals: `<int>` or `<int>.<1 to 12 digits>`
/// (no sign, no exponent), i.e. an integer number of picoseconds. nullopt when malformed or
/// beyond SimTime's range.
std::optional<SimTime> parse_exact_seconds(std::string_view s);

/// The canonical text of `t` (>= 0): whole seconds, then '.' and the fraction without trailing
/// zeros when it is not 0 (`0`, `4.314579`, `0.000000000001`). Round-trips exactly.
std::string format_exact_seconds(SimTime t);

/// The `<id> <arrival> <prompt> <decode>` line of a request (no newline).
std::string format_request_line(const RequestRecord& r);

}  // namespace ltdes::trace
