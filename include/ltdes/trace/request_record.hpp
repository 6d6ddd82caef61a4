// SPDX-License-Identifier: MIT
#pragma once

#include "ltdes/core/sim_time.hpp"

#include <cstdint>
#include <filesystem>
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

}  // namespace ltdes::trace
