// SPDX-License-Identifier: MIT
#include "ltdes/sim/workload_source.hpp"

#include "ltdes/config/hf_config.hpp"
#include "ltdes/core/error.hpp"
#include "ltdes/trace/trace_reader.hpp"
#include "ltdes/workload/presets.hpp"

#include <fmt/format.h>

#include <fstream>

namespace ltdes::sim {

namespace {

std::uint32_t bounded(const std::optional<std::int64_t>& v,
                      const char* option,
                      std::int64_t lo,
                      std::int64_t hi) {
    if (*v < lo || *v > hi) {
        throw UsageError(fmt::format("--{}: expected {} up to {}, got {}", option,
                                     lo == 0 ? "an integer from 0" : "a positive integer", hi, *v));
    }
    return static_cast<std::uint32_t>(*v);
}

workload::ModelShape load_model(const WorkloadRequest& r) {
    if (r.model) {
        const auto preset = workload::find_preset(*r.model);
        if (!preset) {
            throw UsageError(
                fmt::format("--model: unknown model '{}' (known: {})", *r.model, preset_list()));
        }
        return *preset;
    }
    return config::load_hf_config(*r.hf_config);
}

}  // namespace

std::string preset_list() {
    return fmt::format("{}", fmt::join(workload::preset_names(), ", "));
}

workload::ModelShape resolve_model(const WorkloadRequest& r) {
    if (r.model.has_value() == r.hf_config.has_value()) {
        throw UsageError("give exactly one of --model NAME or --hf-config PATH");
    }
    return load_model(r);
}

ResolvedWorkload resolve_workload(const WorkloadRequest& r) {
    const int sources = (r.model ? 1 : 0) + (r.hf_config ? 1 : 0) + (r.trace ? 1 : 0);
    if (sources != 1) {
        throw UsageError(r.trace_allowed
                             ? "give exactly one of --model NAME, --hf-config PATH or --trace FILE"
                             : "give exactly one of --model NAME or --hf-config PATH");
    }
    ResolvedWorkload out;
    if (r.trace) {
        for (const auto& [given, option] :
             {std::pair{r.tokens.has_value(), "tokens"}, std::pair{r.prompt.has_value(), "prompt"},
              std::pair{r.decode.has_value(), "decode"}, std::pair{r.batch.has_value(), "batch"},
              std::pair{r.bits.has_value(), "bits"}}) {
            if (given) {
                throw UsageError(fmt::format(
                    "--{} cannot be combined with --trace (the trace fixes the workload)", option));
            }
        }
        if (!std::ifstream(*r.trace)) {
            throw TraceError(fmt::format("{}: cannot open the trace file", *r.trace));
        }
        const trace::TraceReader reader(*r.trace);
        out.model = reader.header().model;
        out.spec = reader.header().workload;
        out.trace = *r.trace;
        return out;
    }
    out.model = load_model(r);
    if (r.hf_config) {
        out.hf_config = *r.hf_config;
    }
    const workload::ModelShape& m = out.model;
    if (r.encoders_only && !m.is_encoder()) {
        throw UsageError(fmt::format("{} is defined for DeiT and BERT encoders only, not {}",
                                     *r.encoders_only, m.name));
    }
    out.spec.batch = r.batch ? bounded(r.batch, "batch", 1, kMaxBatch) : 1;
    out.spec.bits = r.bits ? bounded(r.bits, "bits", 1, kMaxBits) : 4;
    if (m.is_encoder()) {
        if (r.prompt || r.decode) {
            throw UsageError(fmt::format(
                "--prompt/--decode are for decoder models; '{}' is an encoder: use --tokens",
                m.name));
        }
        if (r.tokens) {
            out.spec.prompt = bounded(r.tokens, "tokens", 1, kMaxTokens);
        } else if (m.family == workload::Family::deit) {
            // Patches plus the CLS token: 197 for a 224-pixel image in 16-pixel patches.
            out.spec.prompt = m.patches != 0 ? m.patches + 1 : 197;
        } else {
            throw UsageError(
                fmt::format("--tokens: required for '{}' (sequence length, e.g. 384)", m.name));
        }
    } else {
        if (r.tokens) {
            throw UsageError(fmt::format(
                "--tokens is for encoder models; '{}' is a decoder: use --prompt and --decode",
                m.name));
        }
        if (!r.prompt) {
            throw UsageError(fmt::format("--prompt: required for decoder '{}'", m.name));
        }
        out.spec.prompt = bounded(r.prompt, "prompt", 1, kMaxTokens);
        out.spec.decode = r.decode ? bounded(r.decode, "decode", 0, kMaxTokens) : 0;
    }
    // A trace's header is checked by the trace reader with the same rule.
    if (workload::exceeds_context(m, out.spec)) {
        throw UsageError(
            m.is_encoder()
                ? fmt::format("--tokens {} exceeds the context of model '{}' ({} tokens)",
                              out.spec.prompt, m.name, m.max_context)
                : fmt::format("{} tokens per sequence (prompt {} + decode {}) exceed the context "
                              "of model '{}' ({} tokens)",
                              std::uint64_t{out.spec.prompt} + out.spec.decode, out.spec.prompt,
                              out.spec.decode, m.name, m.max_context));
    }
    return out;
}

}  // namespace ltdes::sim
