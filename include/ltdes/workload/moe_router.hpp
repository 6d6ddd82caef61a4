// SPDX-License-Identifier: MIT
// The seeded top-k router of an MoE layer under expert parallelism (docs/cluster.md, "Expert
// parallelism"): which experts each token picks, and which picks a capacity limit drops.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ltdes::workload {

/// How tokens pick their experts.
enum class MoeRoutingKind : std::uint8_t {
    uniform,      ///< every expert equally popular, k distinct picks per token
    zipf,         ///< expert e has popularity 1/(e+1)^S (expert 0 the most popular)
    round_robin,  ///< pick j of the group (token-major) goes to expert j mod experts: exact balance
};

inline constexpr std::array<std::string_view, 3> kMoeRoutingNames = {"uniform", "zipf",
                                                                     "round_robin"};

/// The router's configuration (cluster YAML `moe.*`).
struct MoeSpec {
    MoeRoutingKind routing = MoeRoutingKind::uniform;
    double zipf_s = 1.0;           ///< Zipf exponent S (routing = zipf)
    double capacity_factor = 0.0;  ///< 0 = no limit; else capacity = ceil(f·picks/experts)
    std::uint64_t seed = 1;        ///< with (layer, pass, request, position): a token's draws
};

/// `uniform`, `round_robin` or `zipf:S` (S > 0 finite); false when `text` is none of these.
bool parse_moe_routing(std::string_view text, MoeSpec& spec);

/// The YAML spelling of the routing (`zipf:1.2` with the shortest exact S).
std::string moe_routing_text(const MoeSpec& spec);

/// The tokens of one lane (an ep group member) in one routing group: `requests` requests from
/// global request `first_request`, each feeding `tokens_per_request` tokens in this pass.
struct LaneTokens {
    std::uint64_t first_request = 0;
    std::uint64_t requests = 0;
    std::uint64_t tokens_per_request = 0;

    std::uint64_t tokens() const { return requests * tokens_per_request; }
};

/// Where the picks of a routing group went.
struct GroupRouting {
    std::uint32_t lanes = 0;
    std::uint32_t experts = 0;
    /// [lane · experts + e]: picks of the lane's tokens kept for expert e.
    std::vector<std::uint64_t> kept;
    /// Per lane: picks of its tokens dropped because their expert was full.
    std::vector<std::uint64_t> dropped;
    std::uint64_t capacity = 0;  ///< picks an expert takes (UINT64_MAX: no limit)

    std::uint64_t kept_at(std::uint32_t lane, std::uint32_t expert) const {
        return kept[std::size_t{lane} * experts + expert];
    }
};

/// Routes every token of `lanes` (taken in lane, request, position order) through the top-k
/// router of MoE layer `layer` in pass `pass` (0 = prefill, 1 + s = decode step s). A token's
/// picks come from a SplitMix64 hash of (seed, layer, pass, request, position): the same for
/// any plan split, rank or thread. With a capacity factor f, each expert keeps the first
/// ceil(f · picks / experts) picks in that order and the others are dropped. Pure.
GroupRouting route_group(const MoeSpec& spec,
                         std::uint32_t experts,
                         std::uint32_t top_k,
                         std::uint32_t layer,
                         std::uint32_t pass,
                         std::span<const LaneTokens> lanes);

}  // namespace ltdes::workload
