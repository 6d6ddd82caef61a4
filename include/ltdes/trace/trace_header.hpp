// SPDX-License-Identifier: MIT
#pragma once

#include "ltdes/workload/model_shape.hpp"

#include <cstdint>
#include <string>

namespace ltdes::trace {

/// Format version of static-batch traces, the version this build writes for an op list
/// (`lt-trace 1`).
inline constexpr std::uint32_t kTraceFormatVersion = 1;

/// Format version of request traces (`lt-trace 2`): model, precision and request records.
inline constexpr std::uint32_t kRequestTraceFormatVersion = 2;

/// The lines of an lt-trace file before its ops or requests: format version, model and
/// workload. For a request trace (version 2) only `workload.bits` is read from the file;
/// `batch`, `prompt` and `decode` are 0 (each request has its own lengths).
struct TraceHeader {
    std::uint32_t version = kTraceFormatVersion;
    workload::ModelShape model;
    workload::WorkloadSpec workload;
};

/// The `model key=value ...` line (no newline), every key in spec order.
std::string format_model_line(const workload::ModelShape& m);

/// The `workload key=value ...` line (no newline).
std::string format_workload_line(const workload::WorkloadSpec& w);

/// The `requests bits=<b>` line of a request trace (no newline).
std::string format_requests_line(std::uint32_t bits);

}  // namespace ltdes::trace
