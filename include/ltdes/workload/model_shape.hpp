// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <string>

namespace ltdes::workload {

/// Model families: which op list a model pass builds.
enum class Family : std::uint8_t {
    deit,     ///< ViT/DeiT encoder: patch embedding, CLS head
    bert,     ///< BERT encoder: token embedding, 2-class head
    gpt2,     ///< decoder: LayerNorm, GELU, learned positions, tied embeddings
    gpt3,     ///< as gpt2 (dense attention, as every surveyed tool models it)
    llama,    ///< decoder: RMSNorm, SwiGLU, RoPE, GQA, untied LM head
    mixtral,  ///< llama with MoE FFN (experts, top-k routing)
};

enum class NormKind : std::uint8_t { layernorm, rmsnorm };
enum class ActKind : std::uint8_t { gelu, silu };

/// Shape of a transformer model: everything the op graph depends on.
struct ModelShape {
    std::string name;  ///< e.g. "gpt2", "deit-t", "bert-l"
    Family family = Family::gpt2;
    std::uint32_t layers = 0;
    std::uint32_t d_model = 0;
    std::uint32_t n_heads = 0;
    std::uint32_t n_kv_heads = 0;  ///< = n_heads without GQA
    std::uint32_t d_head = 0;
    std::uint32_t attn_width = 0;  ///< n_heads · d_head (may differ from d_model: GPT-3 XL)
    std::uint32_t d_ff = 0;        ///< FFN hidden size (per expert for MoE)
    bool gated_ffn = false;        ///< SwiGLU: three matrices
    std::uint32_t n_experts = 1;   ///< 1 = dense FFN
    std::uint32_t top_k = 1;
    std::uint32_t vocab = 0;
    std::uint32_t max_context = 0;
    NormKind norm = NormKind::layernorm;
    ActKind act = ActKind::gelu;
    bool tied_embeddings = true;

    bool is_encoder() const { return family == Family::deit || family == Family::bert; }
};

/// What is run on the model: one request batch.
struct WorkloadSpec {
    std::uint32_t batch = 1;
    std::uint32_t prompt = 0;  ///< encoder: sequence length (tokens); decoder: prompt
    std::uint32_t decode = 0;  ///< generated tokens (decoders only)
    std::uint32_t bits = 4;    ///< informational; the arch config decides precision
};

}  // namespace ltdes::workload
