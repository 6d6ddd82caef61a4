// SPDX-License-Identifier: MIT
// Expert parallelism (docs/cluster.md, "Expert parallelism"): which chip holds which experts,
// and what one chip sends, receives and computes in one MoE layer of one micro-batch. Pure
// functions of the plan, so every chip of a group derives the same routing without messages.
#pragma once

#include "ltdes/cluster/plan.hpp"
#include "ltdes/workload/moe_router.hpp"
#include "ltdes/workload/op.hpp"

#include <cstdint>
#include <vector>

namespace ltdes::cluster {

/// The lane of `chip` in its expert group (its replica mod ep).
std::uint32_t ep_lane(const Plan& plan, std::uint32_t chip);

/// The chip of lane `lane` in `chip`'s expert group (same stage and tensor rank).
std::uint32_t ep_peer(const Plan& plan, std::uint32_t chip, std::uint32_t lane);

/// True when lane `lane` holds expert `expert` (expert mod ep = lane).
inline bool holds_expert(const Plan& plan, std::uint32_t lane, std::uint32_t expert) {
    return expert % plan.ep() == lane;
}

/// One chip's part of one MoE layer (the layer of `router`) for micro-batch `mb`.
struct MoeExchange {
    /// Per lane: picks of this chip's tokens kept for that lane's experts (the dispatch sends
    /// them there; its own lane's stay on chip).
    std::vector<std::uint64_t> send_picks;
    /// Per lane: picks of that lane's tokens kept for this chip's experts (the combine sends
    /// their results back).
    std::vector<std::uint64_t> recv_picks;
    /// Per expert this chip holds, in id order (lane, lane + ep, …): the rows it computes.
    std::vector<std::uint64_t> expert_rows;
    std::uint64_t dropped = 0;  ///< picks of this chip's tokens over an expert's capacity
};

/// Routes the tokens of `chip`'s expert group in micro-batch `mb` through the MoE layer whose
/// `topk` op is `router` (op.m = the batch's tokens in this pass) and returns `chip`'s part.
MoeExchange moe_exchange(const Plan& plan,
                         const workload::MoeSpec& moe,
                         std::uint32_t chip,
                         const workload::Op& router,
                         std::uint32_t mb);

/// True for the op names of an expert's FFN chain (`ffn1.e3`, `silu.e3`, …): a suffix `.e`
/// followed by digits.
bool is_expert_op_name(std::string_view name);

}  // namespace ltdes::cluster
