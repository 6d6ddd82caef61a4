// SPDX-License-Identifier: MIT
// The one implementation of a transformer block's ops, shared by the static op graph (every
// request of a pass has the same shape) and the serving engine (a mixed batch whose requests
// each feed their own tokens over their own cached context). Op naming and sizes:
// docs/trace-format.md.
#pragma once

#include "ltdes/workload/model_shape.hpp"
#include "ltdes/workload/op.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace ltdes::workload {

/// Bytes of `elements` values at `bits` each, rounded up.
std::uint64_t bytes_of(std::uint64_t elements, std::uint32_t bits);

/// The norm op of `model` (layernorm or rmsnorm).
OpKind norm_kind(const ModelShape& model);

/// Appends ops to a vector with consecutive ids from `first_id`, all of one phase and step.
class OpSink {
public:
    /// A dependency that is dropped: the input of a segment built on its own (serving).
    static constexpr std::uint64_t kNoInput = UINT64_MAX;

    OpSink(std::vector<Op>& out, std::uint64_t first_id, Phase phase, std::uint32_t step)
        : out_(out), next_id_(first_id), phase_(phase), step_(step) {}

    /// Transformer block of the ops added next (-1: outside blocks).
    void set_layer(std::int32_t layer) { layer_ = layer; }

    /// Appends one op (deps equal to kNoInput are dropped); returns its id.
    std::uint64_t add(OpKind kind,
                      std::string name,
                      std::uint64_t m,
                      std::uint64_t n,
                      std::uint64_t k,
                      std::uint64_t count,
                      std::uint64_t bytes,
                      std::vector<std::uint64_t> deps,
                      BmmRole role = BmmRole::none);

private:
    std::vector<Op>& out_;
    std::uint64_t next_id_;
    Phase phase_;
    std::uint32_t step_;
    std::int32_t layer_ = -1;
};

/// Requests of a batch that share one attention shape (they share each attention op).
struct AttentionGroup {
    std::uint64_t tokens = 0;    ///< tokens each request feeds (the Q length)
    std::uint64_t cached = 0;    ///< tokens already in each request's KV cache
    std::uint64_t requests = 0;  ///< how many requests have this shape
};

/// The feed-forward block of one layer (dense or gated) over `tokens` rows; `suffix` tells
/// experts apart (".e3"). Returns the id of its output.
std::uint64_t add_ffn(OpSink& sink,
                      const ModelShape& model,
                      std::uint32_t bits,
                      std::uint64_t tokens,
                      std::uint64_t input,
                      const std::string& suffix);

/// Router and experts of an MoE layer with deterministic even routing (assignment j of
/// tokens·top_k goes to expert j mod experts). Returns the id of the combine op.
std::uint64_t add_moe(OpSink& sink,
                      const ModelShape& model,
                      std::uint32_t bits,
                      std::uint64_t tokens,
                      std::uint64_t input);

/// One transformer block over a batch given as attention groups, in the order given (the
/// token-wise ops cover every token of every group). Encoders write no KV cache; a group with
/// cached tokens reads them. Returns the id of the block's output (res2, always its last op).
std::uint64_t add_layer(OpSink& sink,
                        const ModelShape& model,
                        std::uint32_t bits,
                        std::span<const AttentionGroup> groups,
                        std::uint64_t input);

}  // namespace ltdes::workload
