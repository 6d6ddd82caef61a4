// SPDX-License-Identifier: MIT
#pragma once

#include "ltdes/workload/model_shape.hpp"

#include <cstdint>
#include <string>

namespace ltdes::trace {

/// Format version this build reads and writes (`lt-trace 1`).
inline constexpr std::uint32_t kTraceFormatVersion = 1;

/// The lines of an lt-trace file before its ops: format version, model and workload.
struct TraceHeader {
    std::uint32_t version = kTraceFormatVersion;
    workload::ModelShape model;
    workload::WorkloadSpec workload;
};

/// The `model key=value ...` line (no newline), every key in spec order.
std::string format_model_line(const workload::ModelShape& m);

/// The `workload key=value ...` line (no newline).
std::string format_workload_line(const workload::WorkloadSpec& w);

}  // namespace ltdes::trace
