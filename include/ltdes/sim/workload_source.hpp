// SPDX-License-Identifier: MIT
// The one input resolver of `run`, `estimate` and `trace gen`: a trace, a preset or a Hugging
// Face config becomes a model and a workload, with one set of bounds and one wording per error.
#pragma once

#include "ltdes/workload/model_shape.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace ltdes::sim {

/// Largest prompt (or encoder sequence) and decode length a command accepts: keeps every event
/// count of the model far from 64-bit overflow.
inline constexpr std::int64_t kMaxTokens = std::int64_t{1} << 20;
/// Largest batch a command accepts.
inline constexpr std::int64_t kMaxBatch = std::int64_t{1} << 16;
/// Largest precision (bits) a trace may record.
inline constexpr std::int64_t kMaxBits = 32;

/// Where a workload comes from, as the command line gave it (unset = not given).
struct WorkloadRequest {
    std::optional<std::string> model;      ///< --model: a preset name
    std::optional<std::string> hf_config;  ///< --hf-config: a Hugging Face config.json
    std::optional<std::string> trace;      ///< --trace: an lt-trace file (fixes the workload)
    std::optional<std::int64_t> tokens;    ///< --tokens: encoder sequence length
    std::optional<std::int64_t> prompt;    ///< --prompt: decoder prompt length
    std::optional<std::int64_t> decode;    ///< --decode: decode steps
    std::optional<std::int64_t> batch;     ///< --batch: requests (default 1)
    std::optional<std::int64_t> bits;      ///< --bits: precision recorded in a trace (default 4)
    bool trace_allowed = true;             ///< false for `trace gen` (it writes traces)
    /// Set when only encoders are allowed: the error names it first ("--compat hpca24").
    std::optional<std::string> encoders_only;
};

/// A model and what is run on it.
struct ResolvedWorkload {
    workload::ModelShape model;
    workload::WorkloadSpec spec;
    std::optional<std::filesystem::path> trace;      ///< ops come from this file
    std::optional<std::filesystem::path> hf_config;  ///< the model came from this file
};

/// Resolves a request: exactly one source; with a trace, no workload option (the trace's header
/// fixes it); otherwise encoders take --tokens (DeiT: patches + 1 by default) and decoders
/// --prompt and --decode; prompt + decode (or --tokens) beyond the model's `max_context` is a
/// UsageError. Throws UsageError (bad options), ConfigError (a bad HF config) or
/// TraceError (a bad trace header), each one line naming the option, file or key.
ResolvedWorkload resolve_workload(const WorkloadRequest& request);

/// The model alone, from exactly one of `model` and `hf_config` (request traces take their
/// lengths from the requests). Throws UsageError or ConfigError, worded as resolve_workload.
workload::ModelShape resolve_model(const WorkloadRequest& request);

/// The preset names, comma-separated, for help texts and errors.
std::string preset_list();

}  // namespace ltdes::sim
