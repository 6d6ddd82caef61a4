// SPDX-License-Identifier: MIT
#pragma once

#include "ltdes/core/sim_time.hpp"
#include "ltdes/trace/random_stream.hpp"
#include "ltdes/trace/request_record.hpp"
#include "ltdes/workload/model_shape.hpp"

#include <cstdint>
#include <string_view>

namespace ltdes::trace {

/// How requests arrive (`--arrivals`): `poisson:RATE` (exponential gaps, RATE requests/s),
/// `gamma:RATE:CV` (gamma gaps of mean 1/RATE and coefficient of variation CV: bursty when
/// CV > 1) or `interval:SECONDS` (a request every SECONDS, exact).
struct ArrivalSpec {
    enum class Kind { poisson, gamma, interval };
    Kind kind = Kind::poisson;
    double rate = 1.0;  ///< requests/s (poisson, gamma)
    double cv = 1.0;    ///< gamma only
    SimTime interval;   ///< interval only
};

/// A token-count distribution (`--prompt`, `--decode`): `N` (fixed), `uniform:A:B` (integers
/// A..B inclusive) or `lognormal:MEDIAN:SIGMA[:MAX]` (MEDIAN·e^(SIGMA·Z) rounded to nearest,
/// at least 1, and at most MAX when given).
struct LengthSpec {
    enum class Kind { fixed, uniform, lognormal };
    Kind kind = Kind::fixed;
    std::uint64_t a = 1;                         ///< fixed value, or uniform low end
    std::uint64_t b = 1;                         ///< uniform high end
    double median = 1.0;                         ///< lognormal
    double sigma = 0.0;                          ///< lognormal: standard deviation of the log
    std::uint64_t max = std::uint64_t{1} << 62;  ///< lognormal: largest value (MAX)
};

/// Parses an arrival spec; throws ConfigError("expected …, got '…'").
ArrivalSpec parse_arrival_spec(std::string_view s);

/// Parses a length spec; throws ConfigError.
LengthSpec parse_length_spec(std::string_view s);

/// Everything `lt-des trace gen --requests` needs besides the model.
struct RequestGenSpec {
    std::uint64_t requests = 1;
    ArrivalSpec arrivals;
    LengthSpec prompt;
    LengthSpec decode;
    std::uint64_t seed = 1;
};

/// Streams synthetic requests (docs/trace-format.md §"Generated request traces"). Request 0
/// arrives at 0 and request i after i gaps, each rounded to the picosecond; arrivals, prompt
/// and decode lengths each come from their own RandomStream(seed, 1|2|3), so changing one
/// spec leaves the other sequences unchanged. Lengths are kept within the context: decode is
/// clipped to [1, max_context − 1] first, then the prompt to [1, max_context − decode].
class RequestGenerator {
public:
    /// Throws ConfigError when a fixed length cannot fit the model's context, or the model is
    /// an encoder.
    RequestGenerator(const RequestGenSpec& spec, const workload::ModelShape& model);

    /// The next request; false after `spec.requests`. Throws ConfigError if arrivals overflow
    /// SimTime (about 106 days).
    bool next(RequestRecord& r);

    /// Requests whose sampled prompt or decode length was clipped to fit.
    std::uint64_t prompts_clipped() const { return prompts_clipped_; }

    std::uint64_t decodes_clipped() const { return decodes_clipped_; }

private:
    std::uint64_t sample_length(const LengthSpec& spec, RandomStream& rng) const;
    std::int64_t sample_gap_ps();

    RequestGenSpec spec_;
    std::uint64_t context_;
    RandomStream arrivals_;
    RandomStream prompts_;
    RandomStream decodes_;
    std::uint64_t produced_ = 0;
    std::int64_t now_ps_ = 0;
    std::uint64_t prompts_clipped_ = 0;
    std::uint64_t decodes_clipped_ = 0;
};

}  // namespace ltdes::trace
