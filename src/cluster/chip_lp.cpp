// SPDX-License-Identifier: MIT
#include "ltdes/cluster/chip_lp.hpp"

#include "ltdes/core/assert.hpp"
#include "ltdes/des/context.hpp"

#include <variant>

namespace ltdes::cluster {

namespace {

void flush(std::vector<Outgoing>& out, des::Context& ctx) {
    for (const Outgoing& o : out) {
        std::visit([&](const auto& msg) { ctx.send(LpId{o.dst}, o.delay, msg); }, o.msg);
    }
    out.clear();
}

}  // namespace

void ChipLp::on_start(des::Context& ctx) {
    model_.start(ctx.now(), out_);
    flush(out_, ctx);
}

void ChipLp::on_event(const des::Event& ev, des::Context& ctx) {
    switch (ev.kind) {
        case OpDoneMsg::kKind:
            model_.on_op_done(ev.as<OpDoneMsg>(), ctx.now(), out_);
            break;
        case ActivationMsg::kKind:
            model_.on_activation(ev.as<ActivationMsg>(), ctx.now(), out_);
            break;
        case ReduceChunkMsg::kKind:
            model_.on_reduce_chunk(ev.as<ReduceChunkMsg>(), ctx.now(), out_);
            break;
        case MoeTokensMsg::kKind:
            model_.on_moe_tokens(ev.as<MoeTokensMsg>(), ctx.now(), out_);
            break;
        default:
            LTDES_UNREACHABLE("ChipLp {}: unknown event kind {}", ctx.self(), ev.kind);
    }
    flush(out_, ctx);
}

}  // namespace ltdes::cluster
