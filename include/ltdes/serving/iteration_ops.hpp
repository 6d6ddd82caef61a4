// SPDX-License-Identifier: MIT
// The ops of one serving iteration: a batch whose requests each feed their own number of
// tokens over their own cached context. Built like the op graph's passes (same names, kinds,
// shapes and dependencies), so a batch of one request is exactly that request's static pass.
#pragma once

#include "ltdes/workload/model_shape.hpp"
#include "ltdes/workload/op.hpp"

#include <cstdint>
#include <span>
#include <vector>

namespace ltdes::serving {

/// One request's part of an iteration, as the cost model sees it.
struct SliceShape {
    std::uint64_t tokens = 0;  ///< tokens fed this iteration (>= 1)
    std::uint64_t cached = 0;  ///< tokens already in its KV cache
    bool emits = false;        ///< its logits are computed (it produces a token)

    friend bool operator==(const SliceShape&, const SliceShape&) = default;
};

/// The ops of an iteration in three segments that run one after another (every op of a
/// segment is an ancestor of its last op, and every op of the next segment depends on that op):
/// the token embedding, one transformer block (the same for every layer), and the final norm
/// and LM head over the requests that emit a token (empty when none does). `deps` are indices
/// within the segment; `id` is the index. Requests with the same (tokens, cached) share one
/// attention op each (its `count` covers all their heads), in ascending (tokens, cached) order.
struct IterationOps {
    std::vector<workload::Op> head;
    std::vector<workload::Op> layer;
    std::vector<workload::Op> tail;
};

/// Builds the segments for decoder `model` (throws ConfigError for encoders) at `bits`.
IterationOps build_iteration_ops(const workload::ModelShape& model,
                                 std::uint32_t bits,
                                 std::span<const SliceShape> batch);

/// The whole iteration as one op graph, as the op-level run executes it: the embedding, every
/// layer (block l's ops carry layer l and its first ops depend on block l−1's output), then the
/// final norm and LM head when a request emits. Ids are 0, 1, 2, … and deps are ids.
std::vector<workload::Op> build_iteration_graph(const workload::ModelShape& model,
                                                std::uint32_t bits,
                                                std::span<const SliceShape> batch);

}  // namespace ltdes::serving
