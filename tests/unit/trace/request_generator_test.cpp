// SPDX-License-Identifier: MIT
// Synthetic request traces: the random transforms have the right moments (tolerances derived
// from the sample size below), generation is deterministic, lengths respect the context, and
// bad specs are rejected.
#include "ltdes/trace/request_generator.hpp"

#include "ltdes/core/error.hpp"
#include "ltdes/trace/random_stream.hpp"
#include "ltdes/trace/request_trace_writer.hpp"
#include "ltdes/workload/presets.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

namespace ltdes::trace {
namespace {

// Tolerances: a sample mean of N draws with variance v has standard error sqrt(v/N); a sample
// variance has standard error sqrt((mu4 - v^2)/N), mu4 the fourth central moment. Every check
// allows 5 standard errors, so a correct generator fails with probability below 1e-6 per check
// (and the seeds are fixed, so a pass is reproducible).
constexpr double kSigmas = 5.0;
constexpr int kN = 100000;

struct Moments {
    double mean = 0.0;
    double var = 0.0;
};

Moments moments(const std::vector<double>& x) {
    Moments m;
    for (const double v : x) {
        m.mean += v;
    }
    m.mean /= static_cast<double>(x.size());
    for (const double v : x) {
        m.var += (v - m.mean) * (v - m.mean);
    }
    m.var /= static_cast<double>(x.size() - 1);
    return m;
}

std::vector<double> draw(int n, const std::function<double()>& f) {
    std::vector<double> x(static_cast<std::size_t>(n));
    for (double& v : x) {
        v = f();
    }
    return x;
}

/// Checks mean and variance of `x` against a distribution with this mean, variance and fourth
/// central moment.
void expect_moments(const std::vector<double>& x, double mean, double var, double mu4) {
    const auto n = static_cast<double>(x.size());
    const Moments m = moments(x);
    EXPECT_NEAR(m.mean, mean, kSigmas * std::sqrt(var / n));
    EXPECT_NEAR(m.var, var, kSigmas * std::sqrt((mu4 - var * var) / n));
}

TEST(PortableMath, AgreesWithLibmToTheLastBits) {
    for (const double x :
         {1e-300, 1e-9, 0.1, 0.5, 0.70710678, 1.0, 1.5, 2.0, 3.0, 10.0, 1e6, 1.7e308}) {
        EXPECT_NEAR(portable_log(x), std::log(x), 4e-16 * std::max(1.0, std::fabs(std::log(x))))
            << x;
    }
    for (const double x : {-700.0, -20.0, -1.0, -1e-9, 0.0, 0.3, 1.0, 2.5, 40.0, 700.0}) {
        EXPECT_NEAR(portable_exp(x) / std::exp(x), 1.0, 1e-15) << x;
    }
    EXPECT_EQ(portable_exp(-800.0), 0.0);
    EXPECT_TRUE(std::isinf(portable_exp(800.0)));
}

TEST(RandomStream, UniformIntegersAreUnbiasedAndInRange) {
    RandomStream rng(42, 0);
    // Discrete uniform on 10..20: mean 15, variance (11^2 - 1)/12 = 10, mu4 = (n^2-1)(3n^2-7)/240
    // = 120·356/240 = 178 for n = 11 values.
    std::vector<int> seen(11, 0);
    const auto x = draw(kN, [&] {
        const std::uint64_t v = rng.uniform_int(10, 20);
        EXPECT_GE(v, 10u);
        EXPECT_LE(v, 20u);
        ++seen[v - 10];
        return static_cast<double>(v);
    });
    expect_moments(x, 15.0, 10.0, 178.0);
    for (const int count : seen) {
        EXPECT_GT(count, 0);
    }
}

TEST(RandomStream, ExponentialHasMeanOneAndCvOne) {
    RandomStream rng(1, 1);
    // Exp(1): mean 1, variance 1, mu4 = 9.
    expect_moments(draw(kN, [&] { return rng.exponential(); }), 1.0, 1.0, 9.0);
}

TEST(RandomStream, NormalIsStandard) {
    RandomStream rng(2, 1);
    // N(0,1): mean 0, variance 1, mu4 = 3.
    expect_moments(draw(kN, [&] { return rng.normal(); }), 0.0, 1.0, 3.0);
}

TEST(RandomStream, GammaHasMeanAndVarianceK) {
    // Gamma(k, 1): mean k, variance k, mu4 = 3k(k + 2). k < 1 exercises the boost.
    for (const double k : {0.25, 1.0, 4.0}) {
        SCOPED_TRACE(k);
        RandomStream rng(3, static_cast<std::uint64_t>(k * 100));
        expect_moments(draw(kN, [&] { return rng.gamma(k); }), k, k, 3 * k * (k + 2));
    }
}

TEST(RandomStream, SameSeedSameStreamDifferentOtherwise) {
    RandomStream a(7, 1);
    RandomStream b(7, 1);
    RandomStream c(8, 1);
    RandomStream d(7, 2);
    int same_c = 0;
    int same_d = 0;
    for (int i = 0; i < 1000; ++i) {
        const std::uint64_t x = a.next_u64();
        EXPECT_EQ(x, b.next_u64());
        same_c += x == c.next_u64() ? 1 : 0;
        same_d += x == d.next_u64() ? 1 : 0;
    }
    EXPECT_EQ(same_c, 0);
    EXPECT_EQ(same_d, 0);
}

workload::ModelShape wide_model() {
    workload::ModelShape m = *workload::find_preset("llama3-8b");
    m.max_context = 1'000'000'000;  // no clipping: the moments are the distribution's
    return m;
}

std::vector<RequestRecord> generate(const RequestGenSpec& spec, const workload::ModelShape& m) {
    RequestGenerator gen(spec, m);
    std::vector<RequestRecord> out;
    RequestRecord r;
    while (gen.next(r)) {
        out.push_back(r);
    }
    return out;
}

std::vector<double> gaps_seconds(const std::vector<RequestRecord>& rs) {
    std::vector<double> gaps;
    for (std::size_t i = 1; i < rs.size(); ++i) {
        gaps.push_back((rs[i].arrival - rs[i - 1].arrival).in_seconds());
    }
    return gaps;
}

TEST(RequestGenerator, PoissonGapsHaveMeanOneOverRateAndCvOne) {
    RequestGenSpec spec;
    spec.requests = kN + 1;
    spec.arrivals = parse_arrival_spec("poisson:5.5");
    spec.seed = 11;
    const auto rs = generate(spec, wide_model());
    ASSERT_EQ(rs.size(), static_cast<std::size_t>(kN) + 1);
    EXPECT_EQ(rs[0].arrival, SimTime::zero());
    // Exponential gaps of mean m = 1/5.5 s: variance m^2, mu4 = 9 m^4.
    const double m = 1.0 / 5.5;
    expect_moments(gaps_seconds(rs), m, m * m, 9 * m * m * m * m);
}

TEST(RequestGenerator, GammaGapsHaveTheAskedCv) {
    RequestGenSpec spec;
    spec.requests = kN + 1;
    spec.arrivals = parse_arrival_spec("gamma:2:2");
    spec.seed = 12;
    // Shape k = 1/CV^2 = 0.25, scale θ = 1/(rate·k) = 2: mean kθ = 0.5 s, variance kθ^2 = 1
    // (CV 2), mu4 = θ^4·3k(k + 2) = 16·3·0.25·2.25 = 27.
    expect_moments(gaps_seconds(generate(spec, wide_model())), 0.5, 1.0, 27.0);
}

TEST(RequestGenerator, IntervalArrivalsAreExact) {
    RequestGenSpec spec;
    spec.requests = 5;
    spec.arrivals = parse_arrival_spec("interval:0.000000000003");
    const auto rs = generate(spec, wide_model());
    for (std::size_t i = 0; i < rs.size(); ++i) {
        EXPECT_EQ(rs[i].id, i);
        EXPECT_EQ(rs[i].arrival, SimTime::from_ps(static_cast<std::int64_t>(3 * i)));
    }
}

TEST(RequestGenerator, LognormalLengthsHaveTheAskedMedianAndSigma) {
    RequestGenSpec spec;
    spec.requests = kN;
    spec.prompt = parse_length_spec("lognormal:1000:1.0");
    spec.decode = parse_length_spec("lognormal:200:0.5");
    spec.seed = 13;
    const auto rs = generate(spec, wide_model());
    std::vector<double> log_prompt;
    std::vector<double> log_decode;
    for (const RequestRecord& r : rs) {
        log_prompt.push_back(std::log(static_cast<double>(r.prompt_tokens)));
        log_decode.push_back(std::log(static_cast<double>(r.decode_tokens)));
    }
    // ln(length) ~ N(ln median, sigma^2): mu4 = 3 sigma^4. Rounding to whole tokens moves a
    // log by at most 0.5/length, negligible next to the tolerance except for tiny lengths,
    // which have probability < 1e-9 here.
    expect_moments(log_prompt, std::log(1000.0), 1.0, 3.0);
    expect_moments(log_decode, std::log(200.0), 0.25, 3 * 0.0625);
}

TEST(RequestGenerator, LengthsStayWithinTheContext) {
    // tiny has a 64-token context; lognormal lengths far above it are clipped, decode first.
    const workload::ModelShape tiny = *workload::find_preset("tiny");
    RequestGenSpec spec;
    spec.requests = 2000;
    spec.prompt = parse_length_spec("lognormal:40:1.5");
    spec.decode = parse_length_spec("lognormal:30:1.5");
    RequestGenerator gen(spec, tiny);
    RequestRecord r;
    while (gen.next(r)) {
        EXPECT_GE(r.prompt_tokens, 1u);
        EXPECT_GE(r.decode_tokens, 1u);
        EXPECT_LE(r.prompt_tokens + r.decode_tokens, 64u);
    }
    EXPECT_GT(gen.prompts_clipped(), 0u);
    EXPECT_GT(gen.decodes_clipped(), 0u);
    // A fixed prompt is kept and the sampled decode shortened instead.
    spec.prompt = parse_length_spec("60");
    spec.decode = parse_length_spec("uniform:1:50");
    RequestGenerator fixed(spec, tiny);
    while (fixed.next(r)) {
        EXPECT_EQ(r.prompt_tokens, 60u);
        EXPECT_LE(r.decode_tokens, 4u);
    }
}

TEST(RequestGenerator, LognormalMaxCapsLengths) {
    RequestGenSpec spec;
    spec.requests = 1000;
    spec.prompt = parse_length_spec("lognormal:1000:1:1200");  // P(sample > 1200) = 43 %
    RequestGenerator gen(spec, wide_model());
    RequestRecord r;
    std::uint64_t at_max = 0;
    while (gen.next(r)) {
        EXPECT_LE(r.prompt_tokens, 1200u);
        at_max += r.prompt_tokens == 1200 ? 1 : 0;
    }
    EXPECT_GT(at_max, 300u);               // binomial(1000, 0.43): mean 430, sd 16
    EXPECT_EQ(gen.prompts_clipped(), 0u);  // MAX is part of the distribution, not a context clip
}

TEST(RequestGenerator, FixedLengthsBeyondTheContextAreErrors) {
    const workload::ModelShape tiny = *workload::find_preset("tiny");
    RequestGenSpec spec;
    spec.prompt = parse_length_spec("60");
    spec.decode = parse_length_spec("5");
    EXPECT_THROW(RequestGenerator(spec, tiny), ConfigError);  // 65 > 64
    spec.decode = parse_length_spec("4");
    EXPECT_NO_THROW(RequestGenerator(spec, tiny));  // 64 fits exactly
    spec.prompt = parse_length_spec("uniform:1:10");
    spec.decode = parse_length_spec("64");
    EXPECT_THROW(RequestGenerator(spec, tiny), ConfigError);  // no room for a prompt
    EXPECT_THROW(RequestGenerator(spec, *workload::find_preset("bert-b")), ConfigError);
}

std::string written(const RequestGenSpec& spec) {
    const workload::ModelShape m = *workload::find_preset("llama3-8b");
    RequestGenerator gen(spec, m);
    std::ostringstream out;
    RequestTraceWriter writer(out, m, 4);
    RequestRecord r;
    while (gen.next(r)) {
        writer.write(r);
    }
    writer.finish();
    return out.str();
}

TEST(RequestGenerator, SameSeedGivesIdenticalBytes) {
    RequestGenSpec spec;
    spec.requests = 500;
    spec.arrivals = parse_arrival_spec("gamma:5.5:3");
    spec.prompt = parse_length_spec("lognormal:1000:1");
    spec.decode = parse_length_spec("lognormal:200:0.86");
    spec.seed = 99;
    const std::string a = written(spec);
    EXPECT_EQ(a, written(spec));
    spec.seed = 100;
    const std::string b = written(spec);
    EXPECT_NE(a, b);
    EXPECT_EQ(a.size() > 500 * 8, true);
    // Changing the decode spec leaves arrivals and prompts as they were (separate streams).
    RequestGenSpec other = spec;
    other.decode = parse_length_spec("7");
    RequestGenerator g1(spec, wide_model());
    RequestGenerator g2(other, wide_model());
    RequestRecord r1;
    RequestRecord r2;
    while (g1.next(r1) && g2.next(r2)) {
        EXPECT_EQ(r1.arrival, r2.arrival);
        EXPECT_EQ(r1.prompt_tokens, r2.prompt_tokens);
        EXPECT_EQ(r2.decode_tokens, 7u);
    }
}

TEST(RequestSpecs, ParseTheDocumentedForms) {
    const ArrivalSpec p = parse_arrival_spec("poisson:5.5");
    EXPECT_EQ(p.kind, ArrivalSpec::Kind::poisson);
    EXPECT_EQ(p.rate, 5.5);
    const ArrivalSpec g = parse_arrival_spec("gamma:2:13");
    EXPECT_EQ(g.kind, ArrivalSpec::Kind::gamma);
    EXPECT_EQ(g.cv, 13.0);
    EXPECT_EQ(parse_arrival_spec("interval:0.25").interval, SimTime::from_ps(250'000'000'000));
    const LengthSpec u = parse_length_spec("uniform:3:9");
    EXPECT_EQ(u.kind, LengthSpec::Kind::uniform);
    EXPECT_EQ(u.b, 9u);
    const LengthSpec l = parse_length_spec("lognormal:1020:1.0");
    EXPECT_EQ(l.kind, LengthSpec::Kind::lognormal);
    EXPECT_EQ(l.median, 1020.0);
    EXPECT_EQ(parse_length_spec("128").a, 128u);
    EXPECT_EQ(parse_length_spec("lognormal:1020:1.0:4096").max, 4096u);
}

TEST(RequestSpecs, RejectBadForms) {
    for (const char* bad : {"", "poisson", "poisson:", "poisson:0", "poisson:-1", "poisson:x",
                            "poisson:inf", "poisson:nan", "poisson:1:2", "gamma:1", "gamma:1:0",
                            "gamma:0:1", "interval:-1", "interval:1e3", "uniform:1:2", "5"}) {
        EXPECT_THROW(parse_arrival_spec(bad), ConfigError) << bad;
    }
    for (const char* bad :
         {"", "0", "-3", "1.5", "x", "uniform:0:3", "uniform:5:3", "uniform:1", "lognormal:0:1",
          "lognormal:100:-1", "lognormal:100", "normal:1:2", "99999999999999999999", "poisson:3"}) {
        EXPECT_THROW(parse_length_spec(bad), ConfigError) << bad;
    }
    try {
        parse_arrival_spec("zipf:1");
    } catch (const ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find("expected poisson:RATE, gamma:RATE:CV or "
                                             "interval:SECONDS, got 'zipf:1'"),
                  std::string::npos);
    }
}

}  // namespace
}  // namespace ltdes::trace
