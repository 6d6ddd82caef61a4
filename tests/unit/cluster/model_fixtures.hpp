// SPDX-License-Identifier: MIT
// Hand-written model shapes for the cluster tests (values from docs/trace-format.md).
#pragma once

#include "ltdes/workload/model_shape.hpp"
#include "ltdes/workload/op.hpp"

#include <cstdint>
#include <utility>
#include <vector>

namespace ltdes::cluster::testing {

/// GPT-2 small: 12 layers, d 768, 12 heads of 64, FFN 3072, vocab 50257, context 1024.
inline workload::ModelShape gpt2() {
    workload::ModelShape m;
    m.name = "gpt2";
    m.family = workload::Family::gpt2;
    m.layers = 12;
    m.d_model = 768;
    m.n_heads = 12;
    m.n_kv_heads = 12;
    m.d_head = 64;
    m.attn_width = 768;
    m.d_ff = 3072;
    m.vocab = 50257;
    m.max_context = 1024;
    return m;
}

/// Batch 8, 1024-token prompt, 256 generated: the shape traces/gpt2.trace had before it was fitted
/// to GPT-2's context (now 768 + 256); kept here because these tests' hand counts use it.
inline workload::WorkloadSpec gpt2_workload() {
    return workload::WorkloadSpec{8, 1024, 256, 4};
}

/// GPT-3 175B: 96 layers, d 12288, 96 heads of 128, FFN 49152.
inline workload::ModelShape gpt3_175b() {
    workload::ModelShape m = gpt2();
    m.name = "gpt3-175b";
    m.family = workload::Family::gpt3;
    m.layers = 96;
    m.d_model = 12288;
    m.n_heads = 96;
    m.n_kv_heads = 96;
    m.d_head = 128;
    m.attn_width = 12288;
    m.d_ff = 49152;
    m.max_context = 2048;
    return m;
}

/// A made-up GQA model: 32 query heads, 8 KV heads, 4 layers.
inline workload::ModelShape gqa() {
    workload::ModelShape m = gpt2();
    m.name = "gqa";
    m.family = workload::Family::llama;
    m.layers = 4;
    m.n_heads = 32;
    m.n_kv_heads = 8;
    m.d_head = 16;
    m.d_model = 512;
    m.attn_width = 512;
    m.d_ff = 1024;
    m.gated_ffn = true;
    m.tied_embeddings = false;
    return m;
}

/// An op with the fields the cluster model reads.
inline workload::Op make_op(std::uint64_t id,
                            std::int32_t layer,
                            workload::OpKind kind,
                            const char* name,
                            std::uint64_t m,
                            std::uint64_t n,
                            std::uint64_t k,
                            std::vector<std::uint64_t> deps) {
    workload::Op o;
    o.id = id;
    o.layer = layer;
    o.kind = kind;
    o.name = name;
    o.m = m;
    o.n = n;
    o.k = k;
    o.deps = std::move(deps);
    return o;
}

}  // namespace ltdes::cluster::testing
