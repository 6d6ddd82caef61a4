// SPDX-License-Identifier: MIT
#pragma once

#include <array>
#include <cstdint>

namespace ltdes::trace {

/// Portable natural logarithm of a positive finite `x`, from +, −, ×, ÷ and frexp only, so it
/// gives the same bits on every machine (libm's log may differ in the last bit between
/// implementations, and one bit can move a rounded token count). Relative error < 1e-15.
double portable_log(double x);

/// Portable e^x (same reasoning): 0 below −745, +inf above 709.78.
double portable_exp(double x);

/// A reproducible random stream: xoshiro256** seeded through SplitMix64 from (seed, stream),
/// with its own transforms (inverse CDF, Marsaglia's polar form of Box–Muller, Marsaglia–Tsang
/// gamma) instead of std:: distributions, whose output is implementation-defined. The same
/// (seed, stream) gives the same numbers on every machine and compiler.
class RandomStream {
public:
    RandomStream(std::uint64_t seed, std::uint64_t stream);

    /// Next 64 random bits.
    std::uint64_t next_u64();

    /// Uniform in (0, 1], a multiple of 2^-53.
    double uniform_open0();

    /// Uniform integer in [lo, hi] (lo <= hi), without modulo bias.
    std::uint64_t uniform_int(std::uint64_t lo, std::uint64_t hi);

    /// Standard normal N(0, 1).
    double normal();

    /// Exponential with mean 1.
    double exponential();

    /// Gamma with shape `k` > 0 and scale 1 (mean k, variance k).
    double gamma(double k);

private:
    std::array<std::uint64_t, 4> s_{};
};

}  // namespace ltdes::trace
