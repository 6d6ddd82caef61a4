// SPDX-License-Identifier: MIT
#include "ltdes/workload/moe_router.hpp"

#include "ltdes/core/assert.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <limits>

namespace ltdes::workload {

namespace {

std::uint64_t splitmix64(std::uint64_t& state) {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30U)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27U)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31U);
}

/// One 64-bit key from the fields that name a token (each folded through the mixer).
std::uint64_t token_key(std::uint64_t seed,
                        std::uint64_t layer,
                        std::uint64_t pass,
                        std::uint64_t request,
                        std::uint64_t position) {
    std::uint64_t h = seed;
    for (const std::uint64_t field : {layer, pass, request, position}) {
        std::uint64_t s = h ^ field;
        h = splitmix64(s);
    }
    return h;
}

/// Uniform in [0, 1) with 53 random bits (no std:: distribution: those are
/// implementation-defined).
double unit_interval(std::uint64_t& state) {
    return static_cast<double>(splitmix64(state) >> 11U) * 0x1.0p-53;
}

}  // namespace

bool parse_moe_routing(std::string_view text, MoeSpec& spec) {
    if (text == "uniform") {
        spec.routing = MoeRoutingKind::uniform;
        return true;
    }
    if (text == "round_robin") {
        spec.routing = MoeRoutingKind::round_robin;
        return true;
    }
    constexpr std::string_view kZipf = "zipf:";
    if (text.substr(0, kZipf.size()) != kZipf) {
        return false;
    }
    const std::string_view num = text.substr(kZipf.size());
    double s = 0.0;
    const auto [end, ec] = std::from_chars(num.data(), num.data() + num.size(), s);
    if (ec != std::errc() || end != num.data() + num.size() || !std::isfinite(s) || s <= 0.0 ||
        s > 100.0) {
        return false;
    }
    spec.routing = MoeRoutingKind::zipf;
    spec.zipf_s = s;
    return true;
}

std::string moe_routing_text(const MoeSpec& spec) {
    if (spec.routing == MoeRoutingKind::zipf) {
        return fmt::format("zipf:{}", spec.zipf_s);
    }
    return std::string(kMoeRoutingNames.at(static_cast<std::size_t>(spec.routing)));
}

GroupRouting route_group(const MoeSpec& spec,
                         std::uint32_t experts,
                         std::uint32_t top_k,
                         std::uint32_t layer,
                         std::uint32_t pass,
                         std::span<const LaneTokens> lanes) {
    LTDES_ASSERT(experts > 0 && top_k > 0 && top_k <= experts, "route_group: top {} of {}", top_k,
                 experts);
    GroupRouting r;
    r.lanes = static_cast<std::uint32_t>(lanes.size());
    r.experts = experts;
    r.kept.assign(lanes.size() * experts, 0);
    r.dropped.assign(lanes.size(), 0);
    std::uint64_t picks = 0;
    for (const LaneTokens& l : lanes) {
        picks += l.tokens() * top_k;
    }
    r.capacity = std::numeric_limits<std::uint64_t>::max();
    if (spec.capacity_factor > 0.0) {
        r.capacity = static_cast<std::uint64_t>(
            std::ceil(spec.capacity_factor * static_cast<double>(picks) / experts));
    }
    std::vector<double> weight(experts, 1.0);
    if (spec.routing == MoeRoutingKind::zipf) {
        for (std::uint32_t e = 0; e < experts; ++e) {
            weight[e] = 1.0 / std::pow(static_cast<double>(e) + 1.0, spec.zipf_s);
        }
    }
    std::vector<std::uint64_t> load(experts, 0);
    std::vector<bool> taken(experts, false);
    std::uint64_t pick_index = 0;  // round robin: picks of the group so far
    const auto place = [&](std::size_t lane, std::uint32_t e) {
        if (load[e] < r.capacity) {
            ++load[e];
            ++r.kept[lane * experts + e];
        } else {
            ++r.dropped[lane];
        }
    };
    for (std::size_t lane = 0; lane < lanes.size(); ++lane) {
        const LaneTokens& l = lanes[lane];
        for (std::uint64_t q = 0; q < l.requests; ++q) {
            for (std::uint64_t pos = 0; pos < l.tokens_per_request; ++pos) {
                if (spec.routing == MoeRoutingKind::round_robin) {
                    for (std::uint32_t c = 0; c < top_k; ++c) {
                        place(lane, static_cast<std::uint32_t>(pick_index++ % experts));
                    }
                    continue;
                }
                std::uint64_t state = token_key(spec.seed, layer, pass, l.first_request + q, pos);
                std::fill(taken.begin(), taken.end(), false);
                double left = 0.0;
                for (const double w : weight) {
                    left += w;
                }
                // k distinct picks, each in proportion to the popularity of those not taken.
                for (std::uint32_t c = 0; c < top_k; ++c) {
                    const double u = unit_interval(state) * left;
                    double acc = 0.0;
                    std::uint32_t chosen = experts;
                    for (std::uint32_t e = 0; e < experts; ++e) {
                        if (taken[e]) {
                            continue;
                        }
                        chosen = e;  // the last one not taken absorbs rounding
                        acc += weight[e];
                        if (u < acc) {
                            break;
                        }
                    }
                    taken[chosen] = true;
                    left -= weight[chosen];
                    place(lane, chosen);
                }
            }
        }
    }
    return r;
}

}  // namespace ltdes::workload
