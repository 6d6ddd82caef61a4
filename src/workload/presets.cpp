// SPDX-License-Identifier: MIT
#include "ltdes/workload/presets.hpp"

#include <array>

namespace ltdes::workload {

namespace {

constexpr std::array<std::string_view, 24> kPresetNames = {
    "deit-t",      "deit-s",     "deit-b",    "bert-b",     "bert-l",       "gpt2",
    "gpt2-medium", "gpt2-large", "gpt2-xl",   "gpt3-125m",  "gpt3-350m",    "gpt3-760m",
    "gpt3-1.3b",   "gpt3-2.7b",  "gpt3-6.7b", "gpt3-13b",   "gpt3-175b",    "llama2-7b",
    "llama2-13b",  "llama2-70b", "llama3-8b", "llama3-70b", "mixtral-8x7b", "tiny"};

/// Sizes every family shares; norm and activation default to LayerNorm and GELU.
struct Dims {
    std::uint32_t layers, d_model, heads, kv_heads, d_head, d_ff;
};

ModelShape shape(std::string_view name, Family family, const Dims& d) {
    ModelShape m;
    m.name = std::string(name);
    m.family = family;
    m.layers = d.layers;
    m.d_model = d.d_model;
    m.n_heads = d.heads;
    m.n_kv_heads = d.kv_heads;
    m.d_head = d.d_head;
    m.attn_width = d.heads * d.d_head;
    m.d_ff = d.d_ff;
    return m;
}

/// The paper's encoders: head_dim = e // h (64 for all five), FFN 4e.
ModelShape encoder(std::string_view name,
                   Family family,
                   std::uint32_t d_model,
                   std::uint32_t heads,
                   std::uint32_t layers) {
    ModelShape m =
        shape(name, family, {layers, d_model, heads, heads, d_model / heads, 4 * d_model});
    if (family == Family::deit) {
        m.vocab = 0;  // images: patch embedding instead of a token table
        m.max_context = 197;
        m.patches = 196;    // 224×224 image, 16×16 patches
        m.patch_dim = 768;  // 3 channels · 16 · 16
    } else {
        m.vocab = 30522;
        m.max_context = 512;
    }
    return m;
}

/// GPT-2/GPT-3 style decoder: LayerNorm, GELU, dense attention, tied embeddings.
ModelShape gpt(std::string_view name,
               Family family,
               std::uint32_t layers,
               std::uint32_t d_model,
               std::uint32_t heads,
               std::uint32_t d_head,
               std::uint32_t d_ff,
               std::uint32_t context) {
    ModelShape m = shape(name, family, {layers, d_model, heads, heads, d_head, d_ff});
    m.vocab = 50257;
    m.max_context = context;
    m.tied_embeddings = true;
    return m;
}

/// LLaMA style decoder: RMSNorm, SwiGLU (3 matrices), RoPE, GQA, untied LM head.
ModelShape llama(std::string_view name,
                 std::uint32_t layers,
                 std::uint32_t d_model,
                 std::uint32_t heads,
                 std::uint32_t kv_heads,
                 std::uint32_t d_ff,
                 std::uint32_t vocab,
                 std::uint32_t context) {
    ModelShape m = shape(name, Family::llama, {layers, d_model, heads, kv_heads, 128, d_ff});
    m.gated_ffn = true;
    m.vocab = vocab;
    m.max_context = context;
    m.norm = NormKind::rmsnorm;
    m.act = ActKind::silu;
    m.tied_embeddings = false;
    return m;
}

ModelShape make_preset(std::size_t index) {
    const std::string_view n = kPresetNames[index];
    switch (index) {
        case 0:
            return encoder(n, Family::deit, 192, 3, 12);
        case 1:
            return encoder(n, Family::deit, 384, 6, 12);
        case 2:
            return encoder(n, Family::deit, 768, 12, 12);
        case 3:
            return encoder(n, Family::bert, 768, 12, 12);
        case 4:
            return encoder(n, Family::bert, 1024, 16, 24);
        case 5:
            return gpt(n, Family::gpt2, 12, 768, 12, 64, 3072, 1024);
        case 6:
            return gpt(n, Family::gpt2, 24, 1024, 16, 64, 4096, 1024);
        case 7:
            return gpt(n, Family::gpt2, 36, 1280, 20, 64, 5120, 1024);
        case 8:
            return gpt(n, Family::gpt2, 48, 1600, 25, 64, 6400, 1024);
        case 9:
            return gpt(n, Family::gpt3, 12, 768, 12, 64, 3072, 2048);
        case 10:
            return gpt(n, Family::gpt3, 24, 1024, 16, 64, 4096, 2048);
        case 11:
            return gpt(n, Family::gpt3, 24, 1536, 16, 96, 6144, 2048);
        // GPT-3 XL: Table 2.1 lists 24 heads × 128 = 3072, inconsistent with d_model 2048. We keep
        // attention width = d_model (it reproduces the 1.3B parameter count) and d_head 128, so
        // 16 heads.
        case 12:
            return gpt(n, Family::gpt3, 24, 2048, 16, 128, 8192, 2048);
        case 13:
            return gpt(n, Family::gpt3, 32, 2560, 32, 80, 10240, 2048);
        case 14:
            return gpt(n, Family::gpt3, 32, 4096, 32, 128, 16384, 2048);
        // GPT-3 13B: Table 2.1's d_model 5140 does not equal its 40 heads × 128 = 5120. We keep
        // both as published (as Calculon does): attention width 5120, d_model and FFN 4·5140;
        // this reproduces the 12.9–13.0 B parameter count.
        case 15:
            return gpt(n, Family::gpt3, 40, 5140, 40, 128, 20560, 2048);
        case 16:
            return gpt(n, Family::gpt3, 96, 12288, 96, 128, 49152, 2048);
        case 17:
            return llama(n, 32, 4096, 32, 32, 11008, 32000, 4096);
        case 18:
            return llama(n, 40, 5120, 40, 40, 13824, 32000, 4096);
        case 19:
            return llama(n, 80, 8192, 64, 8, 28672, 32000, 4096);
        case 20:
            return llama(n, 32, 4096, 32, 8, 14336, 128256, 8192);
        case 21:
            return llama(n, 80, 8192, 64, 8, 28672, 128256, 8192);
        case 22: {
            ModelShape m = llama(n, 32, 4096, 32, 8, 14336, 32000, 32768);
            m.family = Family::mixtral;
            m.n_experts = 8;
            m.top_k = 2;
            return m;
        }
        default: {
            // tiny: a 2-layer GPT-2-style decoder small enough for determinism matrices.
            ModelShape m = gpt(n, Family::gpt2, 2, 64, 4, 16, 256, 64);
            m.vocab = 512;
            return m;
        }
    }
}

}  // namespace

std::optional<ModelShape> find_preset(std::string_view name) {
    for (std::size_t i = 0; i < kPresetNames.size(); ++i) {
        if (kPresetNames[i] == name) {
            return make_preset(i);
        }
    }
    return std::nullopt;
}

std::span<const std::string_view> preset_names() {
    return kPresetNames;
}

}  // namespace ltdes::workload
