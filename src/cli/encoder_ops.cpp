// SPDX-License-Identifier: MIT
#include "cli/encoder_ops.hpp"

#include <string>

namespace ltdes::cli {

namespace {

using workload::BmmRole;
using workload::Op;
using workload::OpKind;

constexpr std::uint64_t kDeitPatchInputs = 768;  // 3 channels · 16 · 16
constexpr std::uint64_t kDeitPatches = 196;      // (224 / 16)²
constexpr std::uint64_t kDeitClasses = 1000;
constexpr std::uint64_t kBertClasses = 2;

class OpList {
public:
    explicit OpList(std::vector<Op>& ops) : ops_(ops) {}

    void add(std::int32_t layer,
             OpKind kind,
             std::string name,
             std::uint64_t m,
             std::uint64_t n,
             std::uint64_t k = 1,
             std::uint64_t count = 1,
             BmmRole role = BmmRole::none) {
        Op op;
        op.id = ops_.size();
        op.layer = layer;
        op.kind = kind;
        op.role = role;
        op.name = std::move(name);
        op.m = m;
        op.n = n;
        op.k = k;
        op.count = count;
        if (op.id > 0) {
            op.deps.push_back(op.id - 1);
        }
        ops_.push_back(std::move(op));
    }

private:
    std::vector<Op>& ops_;
};

}  // namespace

std::vector<Op> encoder_ops(const workload::ModelShape& shape,
                            std::uint32_t batch,
                            std::uint32_t tokens) {
    std::vector<Op> ops;
    OpList list(ops);
    const bool deit = shape.family == workload::Family::deit;
    const std::uint64_t b = batch;
    const std::uint64_t s = tokens;
    const std::uint64_t rows = b * s;
    const std::uint64_t e = shape.d_model;
    const std::uint64_t h = shape.n_heads;
    const std::uint64_t dh = shape.d_head;
    const std::uint64_t aw = shape.attn_width;
    const std::uint64_t ff = shape.d_ff;
    if (deit) {
        list.add(-1, OpKind::gemm, "embed", b * kDeitPatches, e, kDeitPatchInputs);
    } else {
        list.add(-1, OpKind::lookup, "tok_embed", rows, e);
    }
    for (std::uint32_t l = 0; l < shape.layers; ++l) {
        const auto layer = static_cast<std::int32_t>(l);
        list.add(layer, OpKind::layernorm, "ln1", rows, e);
        list.add(layer, OpKind::gemm, "qkv", rows, 3 * aw, e);
        list.add(layer, OpKind::bmm, "attn_qk", s, s, dh, h * b, BmmRole::qk);
        list.add(layer, OpKind::softmax, "softmax", s, s, 1, h * b);
        list.add(layer, OpKind::bmm, "attn_sv", s, dh, s, h * b, BmmRole::sv);
        list.add(layer, OpKind::gemm, "proj", rows, e, aw);
        list.add(layer, OpKind::add, "res1", rows, e);
        list.add(layer, OpKind::layernorm, "ln2", rows, e);
        list.add(layer, OpKind::gemm, "ffn1", rows, ff, e);
        list.add(layer, OpKind::gelu, "gelu", rows, ff);
        list.add(layer, OpKind::gemm, "ffn2", rows, e, ff);
        list.add(layer, OpKind::add, "res2", rows, e);
    }
    list.add(-1, OpKind::gemm, "head", b, deit ? kDeitClasses : kBertClasses, e);
    return ops;
}

}  // namespace ltdes::cli
