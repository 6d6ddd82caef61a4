// SPDX-License-Identifier: MIT
#include "ltdes/trace/request_generator.hpp"

#include "ltdes/core/error.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace ltdes::trace {

namespace {

constexpr std::string_view kArrivalForms = "poisson:RATE, gamma:RATE:CV or interval:SECONDS";
constexpr std::string_view kLengthForms = "N, uniform:A:B or lognormal:MEDIAN:SIGMA[:MAX]";

std::vector<std::string_view> split_colons(std::string_view s) {
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    for (;;) {
        const std::size_t colon = s.find(':', start);
        parts.push_back(s.substr(start, colon == std::string_view::npos ? colon : colon - start));
        if (colon == std::string_view::npos) {
            return parts;
        }
        start = colon + 1;
    }
}

std::optional<std::uint64_t> parse_count(std::string_view s) {
    std::uint64_t v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc() || end != s.data() + s.size()) {
        return std::nullopt;
    }
    return v;
}

/// A finite decimal number > 0 (or >= 0 when `zero_ok`).
std::optional<double> parse_positive(std::string_view s, bool zero_ok = false) {
    double v = 0.0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc() || end != s.data() + s.size() || !std::isfinite(v) ||
        v < 0.0 || (v == 0.0 && !zero_ok)) {
        return std::nullopt;
    }
    return v;
}

[[noreturn]] void bad_spec(std::string_view forms, std::string_view s, std::string_view why) {
    throw ConfigError(fmt::format("expected {}, got '{}'{}", forms, s.substr(0, 80), why));
}

/// Rounds a non-negative sample to an integer, saturating far above any context.
std::uint64_t round_count(double x) {
    constexpr double kCap = 0x1p62;
    if (!(x < kCap)) {
        return std::uint64_t{1} << 62;
    }
    return static_cast<std::uint64_t>(std::floor(x + 0.5));
}

}  // namespace

ArrivalSpec parse_arrival_spec(std::string_view s) {
    const auto parts = split_colons(s);
    ArrivalSpec spec;
    if (parts[0] == "poisson" && parts.size() == 2) {
        spec.kind = ArrivalSpec::Kind::poisson;
        const auto rate = parse_positive(parts[1]);
        if (!rate) {
            bad_spec(kArrivalForms, s, " (RATE: requests/s, a number > 0)");
        }
        spec.rate = *rate;
    } else if (parts[0] == "gamma" && parts.size() == 3) {
        spec.kind = ArrivalSpec::Kind::gamma;
        const auto rate = parse_positive(parts[1]);
        const auto cv = parse_positive(parts[2]);
        if (!rate || !cv || *cv > 1000.0) {
            bad_spec(kArrivalForms, s, " (RATE > 0 requests/s, 0 < CV <= 1000)");
        }
        spec.rate = *rate;
        spec.cv = *cv;
    } else if (parts[0] == "interval" && parts.size() == 2) {
        spec.kind = ArrivalSpec::Kind::interval;
        const auto interval = parse_exact_seconds(parts[1]);
        if (!interval) {
            bad_spec(kArrivalForms, s,
                     " (SECONDS: '<int>' or '<int>.<up to 12 digits>', exact to the picosecond)");
        }
        spec.interval = *interval;
    } else {
        bad_spec(kArrivalForms, s, "");
    }
    return spec;
}

LengthSpec parse_length_spec(std::string_view s) {
    const auto parts = split_colons(s);
    LengthSpec spec;
    if (parts.size() == 1) {
        const auto n = parse_count(s);
        if (!n || *n == 0) {
            bad_spec(kLengthForms, s, " (N: tokens, an integer >= 1)");
        }
        spec.kind = LengthSpec::Kind::fixed;
        spec.a = spec.b = *n;
    } else if (parts[0] == "uniform" && parts.size() == 3) {
        const auto a = parse_count(parts[1]);
        const auto b = parse_count(parts[2]);
        if (!a || !b || *a == 0 || *b < *a) {
            bad_spec(kLengthForms, s, " (uniform: integers 1 <= A <= B)");
        }
        spec.kind = LengthSpec::Kind::uniform;
        spec.a = *a;
        spec.b = *b;
    } else if (parts[0] == "lognormal" && (parts.size() == 3 || parts.size() == 4)) {
        const auto median = parse_positive(parts[1]);
        const auto sigma = parse_positive(parts[2], true);
        const auto max = parts.size() == 4 ? parse_count(parts[3]) : std::optional(spec.max);
        if (!median || !sigma || *sigma > 10.0 || !max || *max == 0) {
            bad_spec(kLengthForms, s,
                     " (lognormal: MEDIAN > 0 tokens, 0 <= SIGMA <= 10, optional MAX >= 1)");
        }
        spec.kind = LengthSpec::Kind::lognormal;
        spec.median = *median;
        spec.sigma = *sigma;
        spec.max = std::min(*max, spec.max);
    } else {
        bad_spec(kLengthForms, s, "");
    }
    return spec;
}

RequestGenerator::RequestGenerator(const RequestGenSpec& spec, const workload::ModelShape& model)
    : spec_(spec),
      context_(model.max_context),
      arrivals_(spec.seed, 1),
      prompts_(spec.seed, 2),
      decodes_(spec.seed, 3) {
    if (model.is_encoder()) {
        throw ConfigError(
            fmt::format("request traces are for decoder models; '{}' is an encoder", model.name));
    }
    if (context_ < 2) {
        throw ConfigError(
            fmt::format("model '{}' has a context of {}: a request needs at least "
                        "one prompt and one generated token",
                        model.name, context_));
    }
    const bool prompt_fixed = spec.prompt.kind == LengthSpec::Kind::fixed;
    const bool decode_fixed = spec.decode.kind == LengthSpec::Kind::fixed;
    if (prompt_fixed && spec.prompt.a >= context_) {
        throw ConfigError(
            fmt::format("--prompt {}: a prompt must leave room for one generated token in the "
                        "context of model '{}' ({} tokens)",
                        spec.prompt.a, model.name, context_));
    }
    if (decode_fixed && spec.decode.a >= context_) {
        throw ConfigError(
            fmt::format("--decode {}: must leave room for a one-token prompt in the context of "
                        "model '{}' ({} tokens)",
                        spec.decode.a, model.name, context_));
    }
    if (prompt_fixed && decode_fixed && spec.prompt.a + spec.decode.a > context_) {
        throw ConfigError(fmt::format(
            "--prompt {} + --decode {} = {} tokens exceed the context of model '{}' ({} tokens)",
            spec.prompt.a, spec.decode.a, spec.prompt.a + spec.decode.a, model.name, context_));
    }
}

std::uint64_t RequestGenerator::sample_length(const LengthSpec& spec, RandomStream& rng) const {
    switch (spec.kind) {
        case LengthSpec::Kind::fixed:
            return spec.a;
        case LengthSpec::Kind::uniform:
            return rng.uniform_int(spec.a, spec.b);
        case LengthSpec::Kind::lognormal:
            return std::min(spec.max,
                            round_count(spec.median * portable_exp(spec.sigma * rng.normal())));
    }
    return spec.a;
}

std::int64_t RequestGenerator::sample_gap_ps() {
    double seconds = 0.0;
    switch (spec_.arrivals.kind) {
        case ArrivalSpec::Kind::interval:
            return spec_.arrivals.interval.in_ps();
        case ArrivalSpec::Kind::poisson:
            seconds = arrivals_.exponential() / spec_.arrivals.rate;
            break;
        case ArrivalSpec::Kind::gamma: {
            // Shape k = 1/CV², scale 1/(RATE·k): mean 1/RATE, CV as asked.
            const double k = 1.0 / (spec_.arrivals.cv * spec_.arrivals.cv);
            seconds = arrivals_.gamma(k) / (spec_.arrivals.rate * k);
            break;
        }
    }
    const double ps = std::floor(seconds * 1e12 + 0.5);
    if (!(ps < 0x1p62)) {
        throw ConfigError("--arrivals: an inter-arrival gap exceeds the simulated time range");
    }
    return static_cast<std::int64_t>(ps);
}

bool RequestGenerator::next(RequestRecord& r) {
    if (produced_ == spec_.requests) {
        return false;
    }
    if (produced_ > 0) {
        const std::int64_t gap = sample_gap_ps();
        if (__builtin_add_overflow(now_ps_, gap, &now_ps_)) {
            throw ConfigError(fmt::format(
                "--arrivals: request {} arrives after the simulated time range (about 106 days)",
                produced_));
        }
    }
    std::uint64_t prompt = sample_length(spec_.prompt, prompts_);
    std::uint64_t decode = sample_length(spec_.decode, decodes_);
    // The fixed length wins; with two sampled lengths the decode is kept first.
    const bool prompt_first = spec_.prompt.kind == LengthSpec::Kind::fixed &&
                              spec_.decode.kind != LengthSpec::Kind::fixed;
    const auto clip = [](std::uint64_t& v, std::uint64_t hi, std::uint64_t& counter) {
        if (v > hi || v == 0) {  // a lognormal sample below 0.5 rounds to 0
            v = v == 0 ? 1 : hi;
            ++counter;
        }
    };
    if (prompt_first) {
        clip(decode, context_ - prompt, decodes_clipped_);  // fixed prompt < context
    } else {
        clip(decode, context_ - 1, decodes_clipped_);
        clip(prompt, context_ - decode, prompts_clipped_);
    }
    r.id = produced_;
    r.arrival = SimTime::from_ps(now_ps_);
    r.prompt_tokens = prompt;
    r.decode_tokens = decode;
    ++produced_;
    return true;
}

}  // namespace ltdes::trace
