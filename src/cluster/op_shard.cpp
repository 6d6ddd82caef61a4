// SPDX-License-Identifier: MIT
#include "ltdes/cluster/op_shard.hpp"

#include "ltdes/core/assert.hpp"

#include <numeric>
#include <string_view>

namespace ltdes::cluster {

namespace {

using workload::OpKind;

bool starts_with(std::string_view s, std::string_view prefix) {
    return s.substr(0, prefix.size()) == prefix;
}

/// A ratio num/den (den > 0) kept reduced so that exact divisibility checks see small numbers.
struct Ratio {
    std::uint64_t num = 1;
    std::uint64_t den = 1;

    Ratio times(std::uint64_t n, std::uint64_t d) const {
        Ratio r{num * n, den * d};
        const std::uint64_t g = std::gcd(r.num, r.den);
        return g == 0 ? Ratio{0, 1} : Ratio{r.num / g, r.den / g};
    }

    bool one() const { return num == den; }
};

/// Scales x by r when that is exact.
bool scale_exact(std::uint64_t& x, Ratio r) {
    if ((x * r.num) % r.den != 0) {
        return false;
    }
    x = x * r.num / r.den;
    return true;
}

/// Scales one dimension, rounding up when the split is uneven (a dimension of 0 stays 0 only
/// when the ratio is 0).
void scale_dim(std::uint64_t& x, Ratio r) {
    if (!scale_exact(x, r)) {
        x = (x * r.num + r.den - 1) / r.den;
    }
}

/// Scales the element count m·n·count by r, exactly when some factor allows it.
void scale_elements(OpShard& s, Ratio r) {
    if (r.one()) {
        return;
    }
    if (scale_exact(s.count, r) || scale_exact(s.m, r) || scale_exact(s.n, r)) {
        return;
    }
    s.m = s.m * s.n * s.count;
    s.n = 1;
    s.count = 1;
    scale_dim(s.m, r);
}

bool feeds_blocks(const workload::Op& op) {
    return op.kind == OpKind::lookup || op.name == "embed" || op.name == "tok_embed" ||
           op.name == "pos_embed";
}

}  // namespace

TpRole tp_role(const workload::Op& op) {
    switch (op.kind) {
        case OpKind::bmm:
        case OpKind::softmax:
            return TpRole::heads;
        case OpKind::rope:
            return TpRole::heads_and_kv;
        case OpKind::kv_read:
        case OpKind::kv_write:
            return TpRole::kv;
        case OpKind::gelu:
        case OpKind::silu:
        case OpKind::mul:
            return TpRole::ffn_act;
        case OpKind::gemm:
            if (op.name == "qkv") {
                return TpRole::qkv;
            }
            if (op.name == "proj") {
                return TpRole::attn_out;
            }
            if (starts_with(op.name, "ffn1") || starts_with(op.name, "ffn_gate")) {
                return TpRole::ffn_in;
            }
            if (starts_with(op.name, "ffn2")) {
                return TpRole::ffn_out;
            }
            if (op.name == "lm_head") {
                return TpRole::vocab;
            }
            return TpRole::replicated;
        default:
            return TpRole::replicated;
    }
}

std::uint32_t stage_of_op(const workload::Op& op, const Plan& plan) {
    if (op.layer >= 0) {
        return plan.stage_of_layer(static_cast<std::uint32_t>(op.layer));
    }
    return feeds_blocks(op) ? 0 : plan.pp() - 1;
}

OpShard shard_op(const workload::Op& op, const Plan& plan, std::uint32_t chip) {
    return shard_op(op, plan, chip, plan.requests(plan.coord(chip).dp).count);
}

OpShard shard_op(const workload::Op& op,
                 const Plan& plan,
                 std::uint32_t chip,
                 std::uint32_t requests) {
    const ChipCoord c = plan.coord(chip);
    OpShard s;
    if (requests == 0 || stage_of_op(op, plan) != c.pp) {
        return s;
    }
    s.runs = true;
    s.m = op.m;
    s.n = op.n;
    s.k = op.k;
    s.count = op.count;
    const auto& model = plan.model();
    const std::uint32_t n_kv = model.n_kv_heads == 0 ? model.n_heads : model.n_kv_heads;
    const std::uint64_t d_head = model.d_head;
    const Range heads = plan.heads(c.tp);
    const Range kv = plan.kv_heads(c.tp);
    const Range cols = plan.ffn_columns(c.tp);
    const Ratio batch = Ratio{}.times(requests, plan.workload().batch);

    // Data parallel: the batch lives in M of a GEMM and in `count` of a BMM (docs/model.md);
    // element-wise and memory ops only need their element count scaled.
    Ratio elements = Ratio{};
    if (op.kind == OpKind::gemm) {
        scale_dim(s.m, batch);
    } else if (op.kind == OpKind::bmm) {
        scale_dim(s.count, batch);
    } else {
        elements = batch;
    }

    if (plan.tp() > 1) {
        switch (tp_role(op)) {
            case TpRole::replicated:
                break;
            case TpRole::qkv:
                s.n = (std::uint64_t{heads.count} + 2ULL * kv.count) * d_head;
                break;
            case TpRole::heads:
                if (op.kind == OpKind::bmm) {
                    scale_dim(s.count, Ratio{}.times(heads.count, model.n_heads));
                } else {
                    elements = elements.times(heads.count, model.n_heads);
                }
                break;
            case TpRole::heads_and_kv:
                elements = elements.times(std::uint64_t{heads.count} + kv.count,
                                          std::uint64_t{model.n_heads} + n_kv);
                break;
            case TpRole::kv:
                elements = elements.times(kv.count, n_kv);
                break;
            case TpRole::attn_out:
                s.k = std::uint64_t{heads.count} * d_head;
                break;
            case TpRole::ffn_in:
                s.n = cols.count;
                break;
            case TpRole::ffn_act:
                elements = elements.times(cols.count, model.d_ff);
                break;
            case TpRole::ffn_out:
                s.k = cols.count;
                break;
            case TpRole::vocab:
                s.n = plan.vocab_columns(c.tp).count;
                break;
        }
        const TpRole role = tp_role(op);
        if (role == TpRole::attn_out || role == TpRole::ffn_out) {
            s.all_reduce_after = true;
            s.all_reduce_elements = s.m * s.n;
        }
    }
    scale_elements(s, elements);
    return s;
}

workload::Op apply_shard(const workload::Op& op, const OpShard& shard) {
    LTDES_ASSERT(shard.runs, "apply_shard on a shard that does not run (op {})", op.id);
    workload::Op r = op;
    r.m = shard.m;
    r.n = shard.n;
    r.k = shard.k;
    r.count = shard.count;
    return r;
}

stats::Resource resource_of(workload::OpKind kind) {
    using workload::OpKind;
    switch (kind) {
        case OpKind::lookup:
        case OpKind::kv_read:
        case OpKind::kv_write:
            return stats::Resource::dram;
        case OpKind::gemm:
        case OpKind::bmm:
            return stats::Resource::core;
        default:
            return stats::Resource::digital;
    }
}

bool has_known_tp_role(const workload::Op& op) {
    return op.kind != workload::OpKind::gemm || tp_role(op) != TpRole::replicated ||
           op.name == "router" || op.name == "embed" || op.name == "head";
}

}  // namespace ltdes::cluster
