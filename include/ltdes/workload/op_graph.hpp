// SPDX-License-Identifier: MIT
#pragma once

#include "ltdes/workload/model_shape.hpp"
#include "ltdes/workload/op.hpp"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace ltdes::workload {

/// The ops of one logical (unsharded) model pass, produced lazily in trace order: the encoder
/// pass, or the prefill followed by `decode` decode steps. Only one pass (prefill or one decode
/// step: about 20 ops per layer) is held in memory, so GPT-3 175B with 2048 decode steps
/// streams in a few hundred kilobytes. Op naming and sizes: docs/trace-format.md.
class OpGraph {
public:
    /// Validates the model and workload; throws ltdes::ConfigError naming the bad field.
    OpGraph(ModelShape model, WorkloadSpec workload);

    /// Writes the next op into `op` (reusing its storage); false after the last op.
    bool next(Op& op);

    /// Total number of ops the graph yields (known before streaming).
    std::uint64_t op_count() const { return op_count_; }

    const ModelShape& model() const { return model_; }

    const WorkloadSpec& workload() const { return workload_; }

private:
    void build_pass(std::uint32_t step, std::uint64_t first_id, std::vector<Op>& out) const;

    ModelShape model_;
    WorkloadSpec workload_;
    std::vector<Op> pass_;     ///< ops of the pass being streamed
    std::size_t pos_ = 0;      ///< next op of pass_ to hand out
    std::uint32_t next_step_;  ///< pass built after pass_ runs out
    std::uint64_t next_id_;    ///< id of the first op of the next pass
    std::uint64_t op_count_ = 0;
};

/// The streaming op graph of `model` running `workload` (see OpGraph).
OpGraph build_workload(const ModelShape& model, const WorkloadSpec& workload);

/// Every op of the pass in one vector, for small models and tests.
std::vector<Op> build_workload_ops(const ModelShape& model, const WorkloadSpec& workload);

}  // namespace ltdes::workload
