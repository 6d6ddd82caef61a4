// SPDX-License-Identifier: MIT
#pragma once

#include "ltdes/trace/request_record.hpp"
#include "ltdes/workload/model_shape.hpp"

#include <cstdint>
#include <filesystem>
#include <limits>
#include <vector>

namespace ltdes::trace {

/// What `lt-des trace import` does with a row whose prompt + decode exceed the model's context.
enum class OverContext { error, drop, clip };

struct CsvImportOptions {
    std::uint64_t limit = std::numeric_limits<std::uint64_t>::max();  ///< rows kept, at most
    double time_scale = 1.0;  ///< multiplies every arrival (0.1: ten times the load); > 0
    OverContext over_context = OverContext::error;
};

/// The requests of a CSV serving trace, sorted by arrival, ids 0, 1, … in that order.
struct CsvImport {
    std::vector<RequestRecord> requests;
    std::uint64_t rows = 0;       ///< data rows read (before dropping)
    std::uint64_t dropped = 0;    ///< over-context rows skipped (OverContext::drop)
    std::uint64_t clipped = 0;    ///< over-context rows shortened (OverContext::clip)
    std::uint64_t reordered = 0;  ///< rows arriving before an earlier row (sorted stably)
};

/// Reads the public CSV form of LLM serving traces (docs/trace-format.md): a header naming at
/// least `arrived_at` (seconds), `num_prefill_tokens` and `num_decode_tokens`, other columns
/// ignored; one request per row. Rows are read in file order until `limit` are kept. Every bad
/// row throws TraceError("<file>:<line>: …"); lines are bounded (kMaxTraceLineBytes).
CsvImport import_request_csv(const std::filesystem::path& path,
                             const workload::ModelShape& model,
                             const CsvImportOptions& options);

}  // namespace ltdes::trace
