// SPDX-License-Identifier: MIT
#include "ltdes/serving/serving_summary.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace ltdes::serving {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double ps_to_s(std::int64_t ps) {
    return static_cast<double>(ps) * 1e-12;
}

}  // namespace

double percentile(std::span<const double> sorted, double p) {
    if (sorted.empty()) {
        return kNaN;
    }
    const double h = static_cast<double>(sorted.size() - 1) * p / 100.0;
    const auto lo = static_cast<std::size_t>(std::floor(h));
    const std::size_t hi = std::min(lo + 1, sorted.size() - 1);
    return sorted[lo] + (h - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

LatencyStats latency_stats(std::vector<double> values) {
    LatencyStats s;
    if (values.empty()) {
        s.mean = s.p50 = s.p90 = s.p99 = kNaN;
        return s;
    }
    std::sort(values.begin(), values.end());
    double sum = 0.0;
    for (const double v : values) {
        sum += v;
    }
    s.mean = sum / static_cast<double>(values.size());
    s.p50 = percentile(values, 50);
    s.p90 = percentile(values, 90);
    s.p99 = percentile(values, 99);
    return s;
}

ServingSummary summarize(const ServingResult& r, const ServingSpec& spec) {
    ServingSummary s;
    std::vector<double> ttft;
    std::vector<double> tpot;
    std::vector<double> e2e;
    std::int64_t first_arrival = std::numeric_limits<std::int64_t>::max();
    std::int64_t last_completion = 0;
    std::uint64_t good = 0;
    std::int64_t earliest = std::numeric_limits<std::int64_t>::max();
    std::int64_t latest = std::numeric_limits<std::int64_t>::min();
    for (const RequestRow& q : r.requests) {
        earliest = std::min(earliest, q.arrival);
        latest = std::max(latest, q.arrival);
    }
    s.offered_load_rps =
        r.requests.size() > 1 && latest > earliest
            ? static_cast<double>(r.requests.size() - 1) / ps_to_s(latest - earliest)
            : kNaN;
    for (const RequestRow& q : r.requests) {
        if (q.status == RequestStatus::rejected) {
            ++s.requests_rejected;
            continue;
        }
        ++s.requests_completed;
        s.generated_tokens += q.decode_tokens;
        s.preemptions += q.preemptions;
        first_arrival = std::min(first_arrival, q.arrival);
        last_completion = std::max(last_completion, q.completion);
        const double t1 = ps_to_s(q.first_token - q.arrival);
        ttft.push_back(t1);
        e2e.push_back(ps_to_s(q.completion - q.arrival));
        double t2 = 0.0;
        if (q.decode_tokens > 1) {
            t2 = ps_to_s(q.completion - q.first_token) / static_cast<double>(q.decode_tokens - 1);
            tpot.push_back(t2);
        }
        const bool ttft_ok = spec.slo_ttft_s <= 0.0 || t1 <= spec.slo_ttft_s;
        const bool tpot_ok = spec.slo_tpot_s <= 0.0 || t2 <= spec.slo_tpot_s;
        good += (ttft_ok && tpot_ok) ? 1 : 0;
    }
    // Per replica (each summed in its iteration order), then in replica order: the same on
    // every rank, which does not hold the iteration rows.
    for (const EnergyPj& e : r.replica_energy) {
        s.energy_j += e.total() * 1e-12;
    }
    s.ttft = latency_stats(std::move(ttft));
    s.tpot = latency_stats(std::move(tpot));
    s.e2e = latency_stats(std::move(e2e));
    if (s.requests_completed > 0) {
        s.duration_s = ps_to_s(last_completion - first_arrival);
    }
    const auto per_s = [&](double x) { return s.duration_s > 0 ? x / s.duration_s : kNaN; };
    s.throughput_rps = per_s(static_cast<double>(s.requests_completed));
    s.throughput_tps = per_s(static_cast<double>(s.generated_tokens));
    s.goodput_rps = per_s(static_cast<double>(good));
    s.energy_per_request_j =
        s.requests_completed > 0 ? s.energy_j / static_cast<double>(s.requests_completed) : kNaN;
    s.energy_per_generated_token_j =
        s.generated_tokens > 0 ? s.energy_j / static_cast<double>(s.generated_tokens) : kNaN;
    return s;
}

std::vector<std::pair<std::string, double>> ServingSummary::attributes() const {
    std::vector<std::pair<std::string, double>> a;
    const auto lat = [&](const std::string& name, const LatencyStats& l) {
        a.emplace_back(name + "_mean_s", l.mean);
        a.emplace_back(name + "_p50_s", l.p50);
        a.emplace_back(name + "_p90_s", l.p90);
        a.emplace_back(name + "_p99_s", l.p99);
    };
    lat("ttft", ttft);
    lat("tpot", tpot);
    lat("e2e", e2e);
    a.emplace_back("serving_duration_s", duration_s);
    a.emplace_back("offered_load_rps", offered_load_rps);
    a.emplace_back("throughput_rps", throughput_rps);
    a.emplace_back("throughput_tps", throughput_tps);
    a.emplace_back("goodput_rps", goodput_rps);
    a.emplace_back("requests_completed", static_cast<double>(requests_completed));
    a.emplace_back("requests_rejected", static_cast<double>(requests_rejected));
    a.emplace_back("preemptions", static_cast<double>(preemptions));
    a.emplace_back("energy_per_request_J", energy_per_request_j);
    a.emplace_back("energy_per_generated_token_J", energy_per_generated_token_j);
    return a;
}

}  // namespace ltdes::serving
