// SPDX-License-Identifier: MIT
#include "ltdes/des/phold.hpp"

#include "ltdes/core/error.hpp"
#include "ltdes/des/fingerprint.hpp"

#include <fmt/format.h>

#include <cmath>
#include <limits>

namespace ltdes::des {

namespace {

constexpr double kPsPerUnit = 1e6;  // 1 unit = 1 µs
constexpr std::uint64_t kGolden = 0x9e3779b97f4a7c15ULL;

// Largest time accepted, in units: sums of times must stay inside int64 ps.
constexpr double kMaxUnits = 1e12;  // 1e18 ps, well inside int64

void require(bool ok, const char* flag, double value, const char* what) {
    if (!ok) {
        throw UsageError(fmt::format("{} must be {} (got {})", flag, what, value));
    }
}

}  // namespace

// The libm call was about 45 instructions per event. x - trunc(x) is exact (Sterbenz for
// x >= 1), so the comparison with 0.5 gives llround's result bit for bit.
std::int64_t round_half_up(double x) {
    if (!(x >= 0.0 && x < 0x1p62)) {
        return std::llround(x);
    }
    const auto whole = static_cast<std::int64_t>(x);
    return whole + (x - static_cast<double>(whole) >= 0.5 ? 1 : 0);
}

void PholdSpec::validate() const {
    if (lps < 1) {
        throw UsageError("--lps must be >= 1 (got 0)");
    }
    require(std::isfinite(remote) && remote >= 0.0 && remote <= 1.0, "--remote", remote,
            "in [0, 1]");
    require(std::isfinite(lookahead_units) && lookahead_units > 0.0 &&
                lookahead_units < kMaxUnits && to_time(lookahead_units).in_ps() >= 1,
            "--lookahead", lookahead_units, "> 0 (at least 1e-6 units = 1 ps)");
    require(std::isfinite(mean_units) && mean_units >= 0.0 && mean_units < kMaxUnits, "--mean",
            mean_units, ">= 0");
    require(std::isfinite(end_units) && end_units > 0.0 && end_units < kMaxUnits, "--end",
            end_units, "> 0");
}

SimTime PholdSpec::to_time(double units) {
    return SimTime::from_ps(std::llround(units * kPsPerUnit));
}

SimTime PholdSpec::lookahead() const {
    return to_time(lookahead_units);
}

SimTime PholdSpec::end_time() const {
    return to_time(end_units);
}

LpRandom::LpRandom(std::uint64_t seed, LpId lp)
    : state_(mix64(mix64(seed) ^ mix64(static_cast<std::uint64_t>(to_underlying(lp)) + kGolden))) {}

std::uint64_t LpRandom::next_u64() {
    state_ += kGolden;
    return mix64(state_);
}

double LpRandom::next_unit() {
    return static_cast<double>((next_u64() >> 11) + 1) * 0x1.0p-53;
}

PholdLp::PholdLp(const PholdSpec& spec, LpId id)
    : random_(spec.seed, id),
      lookahead_(spec.lookahead()),
      mean_ps_(spec.mean_units * kPsPerUnit),
      remote_(spec.remote),
      lps_(spec.lps),
      start_events_(spec.start_events) {}

SimTime PholdLp::draw_delay() {
    if (mean_ps_ == 0.0) {
        return lookahead_;
    }
    return lookahead_ + SimTime::from_ps(round_half_up(-mean_ps_ * std::log(random_.next_unit())));
}

void PholdLp::send_one(Context& ctx) {
    LpId dst = ctx.self();
    if (remote_ > 0.0 && random_.next_unit() <= remote_) {
        dst = LpId{static_cast<std::uint32_t>(random_.next_u64() % lps_)};
    }
    if (dst != ctx.self()) {
        ++sent_remote_;
    }
    ctx.send(dst, draw_delay(), PholdMessage{});
}

void PholdLp::on_start(Context& ctx) {
    for (std::uint32_t i = 0; i < start_events_; ++i) {
        ctx.send(ctx.self(), draw_delay(), PholdMessage{});
    }
}

void PholdLp::save(StateWriter& out) const {
    out.put(random_.state());
    out.put(received_);
    out.put(sent_remote_);
    out.put(time_digest_);
}

void PholdLp::restore(StateReader& in) {
    random_.set_state(in.get<std::uint64_t>());
    received_ = in.get<std::uint64_t>();
    sent_remote_ = in.get<std::uint64_t>();
    time_digest_ = in.get<std::uint64_t>();
}

void PholdLp::on_event(const Event& ev, Context& ctx) {
    ++received_;
    time_digest_ += static_cast<std::uint64_t>(ev.time.in_ps());
    send_one(ctx);
}

}  // namespace ltdes::des
