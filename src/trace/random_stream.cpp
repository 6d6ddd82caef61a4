// SPDX-License-Identifier: MIT
// Compiled with -ffp-contract=off (src/trace/CMakeLists.txt): a fused multiply-add on one
// machine and not on another would change the low bits, and so the generated traces.
#include "ltdes/trace/random_stream.hpp"

#include <cmath>
#include <limits>

namespace ltdes::trace {

namespace {

constexpr double kLn2Hi = 6.93147180369123816490e-01;  // ln 2 split so that k·hi is exact
constexpr double kLn2Lo = 1.90821492927058770002e-10;
constexpr double kInvLn2 = 1.44269504088896338700e+00;
constexpr double kSqrtHalf = 0.70710678118654752440;

std::uint64_t splitmix64(std::uint64_t& state) {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

std::uint64_t rotl(std::uint64_t x, int k) {
    return (x << k) | (x >> (64 - k));
}

}  // namespace

double portable_log(double x) {
    int e = 0;
    double m = std::frexp(x, &e);  // x = m·2^e, m in [0.5, 1): exact
    if (m < kSqrtHalf) {
        m *= 2.0;
        --e;
    }
    // ln m = 2·atanh(s), s = (m − 1)/(m + 1), |s| <= 0.1716: the odd series to s^25 is below
    // 1e-19 relative.
    const double s = (m - 1.0) / (m + 1.0);
    const double s2 = s * s;
    double p = 1.0 / 25.0;
    for (int k = 11; k >= 0; --k) {
        p = p * s2 + 1.0 / static_cast<double>(2 * k + 1);
    }
    const double de = static_cast<double>(e);
    return de * kLn2Hi + (de * kLn2Lo + 2.0 * s * p);
}

double portable_exp(double x) {
    if (x < -745.0) {
        return 0.0;
    }
    if (x > 709.78) {
        return std::numeric_limits<double>::infinity();
    }
    // x = k·ln2 + r, |r| <= ln2/2; e^r by its Taylor series to r^17 (< 1e-22 relative).
    const double k = std::floor(x * kInvLn2 + 0.5);
    const double r = (x - k * kLn2Hi) - k * kLn2Lo;
    double p = 1.0;
    for (int n = 17; n >= 1; --n) {
        p = 1.0 + p * r / static_cast<double>(n);
    }
    return std::ldexp(p, static_cast<int>(k));
}

RandomStream::RandomStream(std::uint64_t seed, std::uint64_t stream) {
    std::uint64_t state = seed;
    const std::uint64_t salt = splitmix64(state) ^ (stream * 0xd1b54a32d192ed03ULL);
    state = salt;
    for (std::uint64_t& word : s_) {
        word = splitmix64(state);
    }
}

std::uint64_t RandomStream::next_u64() {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
}

double RandomStream::uniform_open0() {
    return static_cast<double>((next_u64() >> 11) + 1) * 0x1p-53;
}

std::uint64_t RandomStream::uniform_int(std::uint64_t lo, std::uint64_t hi) {
    const std::uint64_t span = hi - lo;
    if (span == std::numeric_limits<std::uint64_t>::max()) {
        return next_u64();
    }
    const std::uint64_t n = span + 1;
    // Reject the top partial copy of [0, n) so every value is equally likely.
    const std::uint64_t limit =
        std::numeric_limits<std::uint64_t>::max() - std::numeric_limits<std::uint64_t>::max() % n;
    for (;;) {
        const std::uint64_t x = next_u64();
        if (x < limit) {
            return lo + x % n;
        }
    }
}

double RandomStream::normal() {
    // Marsaglia's polar method: a point uniform in the unit disc gives a normal deviate
    // without trigonometry (the second deviate of the pair is not kept).
    for (;;) {
        const double u = 2.0 * (static_cast<double>(next_u64() >> 11) * 0x1p-53) - 1.0;
        const double v = 2.0 * (static_cast<double>(next_u64() >> 11) * 0x1p-53) - 1.0;
        const double s = u * u + v * v;
        if (s > 0.0 && s < 1.0) {
            return u * std::sqrt(-2.0 * portable_log(s) / s);  // sqrt is exactly rounded
        }
    }
}

double RandomStream::exponential() {
    return -portable_log(uniform_open0());  // inverse CDF of Exp(1); U in (0, 1]
}

double RandomStream::gamma(double k) {
    if (k < 1.0) {
        // Gamma(k) = Gamma(k + 1) · U^(1/k) (Marsaglia–Tsang's boost for small shapes).
        const double g = gamma(k + 1.0);
        return g * portable_exp(portable_log(uniform_open0()) / k);
    }
    const double d = k - 1.0 / 3.0;
    const double c = 1.0 / std::sqrt(9.0 * d);
    for (;;) {
        const double z = normal();
        double v = 1.0 + c * z;
        if (v <= 0.0) {
            continue;
        }
        v = v * v * v;
        const double u = uniform_open0();
        if (portable_log(u) < 0.5 * z * z + d - d * v + d * portable_log(v)) {
            return d * v;
        }
    }
}

}  // namespace ltdes::trace
