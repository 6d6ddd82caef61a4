// SPDX-License-Identifier: MIT
// What one chip runs of a logical (unsharded) op: a pure function of the op, the plan and the
// chip, so every rank computes the same shards without communication.
#pragma once

#include "ltdes/cluster/plan.hpp"
#include "ltdes/stats/resource.hpp"
#include "ltdes/workload/op.hpp"

#include <cstdint>

namespace ltdes::cluster {

/// How tensor parallelism treats an op (Megatron-style, docs/architecture.md).
enum class TpRole : std::uint8_t {
    replicated,    ///< every tensor rank runs it whole (norms, residuals, embeddings, router)
    qkv,           ///< QKV projection: columns of its own heads and KV heads
    heads,         ///< per-head work (attention matmuls, softmax): its heads only
    heads_and_kv,  ///< rotary embedding of Q and K
    kv,            ///< KV-cache traffic: its KV heads only
    attn_out,      ///< attention output projection: rows of its heads; all-reduce after
    ffn_in,        ///< FFN up/gate projection: its FFN columns
    ffn_act,       ///< FFN activation / gate product: its FFN columns
    ffn_out,       ///< FFN down projection: rows of its FFN columns; all-reduce after
    vocab,         ///< LM head: its vocabulary columns (the tiny logits gather is not modelled)
};

/// The role of `op`, from its kind and, for GEMMs, its name (docs/trace-format.md names:
/// qkv, proj, ffn1, ffn_gate, ffn2, lm_head; MoE expert GEMMs carry a suffix, e.g. ffn1.e3).
TpRole tp_role(const workload::Op& op);

/// False for a GEMM whose name gives no tensor-parallel role and is not one of the GEMMs that
/// every tensor rank runs whole (`router`, `embed`, `head`): with tp > 1 such a trace is an error
/// rather than a silently unsharded run.
bool has_known_tp_role(const workload::Op& op);

/// The chip resource an op kind occupies: DRAM for lookup, kv_read and kv_write, the photonic
/// cores for matmuls (gemm, bmm), the digital unit for the other ops.
stats::Resource resource_of(workload::OpKind kind);

/// The pipeline stage that runs `op`: its layer's stage; ops outside blocks (layer -1) run on
/// the first stage when they feed the blocks (kind lookup, names embed/tok_embed/pos_embed)
/// and on the last stage otherwise (final norm, heads).
std::uint32_t stage_of_op(const workload::Op& op, const Plan& plan);

/// A chip's part of one op. Matmul shapes stay exact (docs/model.md): the batch leaves M of
/// a GEMM and `count` of a BMM; element-wise and memory ops keep their element count exact.
struct OpShard {
    bool runs = false;  ///< false: another stage, or a replica without requests
    std::uint64_t m = 0, n = 0, k = 0, count = 0;
    bool all_reduce_after = false;          ///< tp > 1 and the op leaves partial sums
    std::uint64_t all_reduce_elements = 0;  ///< elements each tensor rank contributes (m·n)
};

/// The shard of `op` on `chip` for `requests` of its replica's requests (normally
/// plan.requests(dp).count; a micro-batch passes its own). Pure; no allocation.
OpShard shard_op(const workload::Op& op,
                 const Plan& plan,
                 std::uint32_t chip,
                 std::uint32_t requests);

/// shard_op for the whole replica's requests.
OpShard shard_op(const workload::Op& op, const Plan& plan, std::uint32_t chip);

/// `op` with the shard's shape (same id, name, deps).
workload::Op apply_shard(const workload::Op& op, const OpShard& shard);

}  // namespace ltdes::cluster
