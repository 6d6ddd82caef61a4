// SPDX-License-Identifier: MIT
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

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

/// Names as written in traces and presets, indexed by the enum value.
inline constexpr std::array<std::string_view, 6> kFamilyNames = {"deit", "bert",  "gpt2",
                                                                 "gpt3", "llama", "mixtral"};
inline constexpr std::array<std::string_view, 2> kNormKindNames = {"layernorm", "rmsnorm"};
inline constexpr std::array<std::string_view, 2> kActKindNames = {"gelu", "silu"};

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
    std::uint32_t patches = 0;    ///< ViT/DeiT: image patches (embed GEMM rows per image), else 0
    std::uint32_t patch_dim = 0;  ///< ViT/DeiT: channels·patch² (embed GEMM K = 768), else 0

    bool is_encoder() const { return family == Family::deit || family == Family::bert; }
};

/// What is run on the model: one request batch.
struct WorkloadSpec {
    std::uint32_t batch = 1;
    std::uint32_t prompt = 0;  ///< encoder: sequence length (tokens); decoder: prompt
    std::uint32_t decode = 0;  ///< generated tokens (decoders only)
    std::uint32_t bits = 4;    ///< informational; the arch config decides precision
};

std::optional<Family> parse_family(std::string_view s);
std::optional<NormKind> parse_norm_kind(std::string_view s);
std::optional<ActKind> parse_act_kind(std::string_view s);

/// Checks a model's fields for consistency (positive sizes, attn_width = n_heads·d_head,
/// n_kv_heads divides n_heads, 1 <= top_k <= n_experts, ...). Throws ltdes::ConfigError whose
/// message starts with the offending field name, e.g. "n_kv_heads: 5 does not divide n_heads 32".
void validate_model_shape(const ModelShape& m);

/// Checks a workload against its model: batch and prompt >= 1, no decode steps for encoders,
/// bits in 1..32. Throws ltdes::ConfigError naming the field. A sequence longer than the model's
/// context is allowed (see `exceeds_context`).
void validate_workload_spec(const ModelShape& m, const WorkloadSpec& w);

/// True when the workload's longest sequence (prompt + decode) exceeds `m.max_context`.
bool exceeds_context(const ModelShape& m, const WorkloadSpec& w);

/// Weight parameters of the model: Q, K, V, O and FFN matrices of every layer (3 FFN matrices
/// when gated, times the experts, plus the router), the token embedding (or the patch
/// embedding and 1000-class head for DeiT), and an untied LM head. Biases, norms and position
/// embeddings are excluded, as in docs/trace-format.md.
std::uint64_t parameter_count(const ModelShape& m);

}  // namespace ltdes::workload
