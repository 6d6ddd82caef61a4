// SPDX-License-Identifier: MIT
#include "ltdes/workload/model_shape.hpp"

#include "workload/name_lookup.hpp"

#include "ltdes/core/error.hpp"

#include <fmt/format.h>

#include <cstddef>

namespace ltdes::workload {

namespace {

void require_positive(std::uint32_t value, std::string_view field) {
    if (value == 0) {
        throw ConfigError(fmt::format("{}: expected a positive integer, got 0", field));
    }
}

}  // namespace

std::optional<Family> parse_family(std::string_view s) {
    return find_name<Family>(kFamilyNames, s);
}

std::optional<NormKind> parse_norm_kind(std::string_view s) {
    return find_name<NormKind>(kNormKindNames, s);
}

std::optional<ActKind> parse_act_kind(std::string_view s) {
    return find_name<ActKind>(kActKindNames, s);
}

void validate_model_shape(const ModelShape& m) {
    if (m.name.empty() || m.name.find_first_of(" \t\r\n#=") != std::string::npos) {
        throw ConfigError(fmt::format(
            "name: expected a non-empty word without spaces, '#' or '=', got '{}'", m.name));
    }
    require_positive(m.layers, "layers");
    require_positive(m.d_model, "d_model");
    require_positive(m.n_heads, "n_heads");
    require_positive(m.n_kv_heads, "n_kv_heads");
    require_positive(m.d_head, "d_head");
    require_positive(m.attn_width, "attn_width");
    require_positive(m.d_ff, "d_ff");
    require_positive(m.n_experts, "experts");
    require_positive(m.top_k, "top_k");
    require_positive(m.max_context, "max_context");
    if (m.n_heads % m.n_kv_heads != 0) {
        throw ConfigError(
            fmt::format("n_kv_heads: {} does not divide n_heads {}", m.n_kv_heads, m.n_heads));
    }
    if (static_cast<std::uint64_t>(m.n_heads) * m.d_head != m.attn_width) {
        throw ConfigError(fmt::format("attn_width: {} differs from n_heads·d_head = {}·{}",
                                      m.attn_width, m.n_heads, m.d_head));
    }
    if (m.top_k > m.n_experts) {
        throw ConfigError(
            fmt::format("top_k: {} exceeds the number of experts {}", m.top_k, m.n_experts));
    }
    if (m.family == Family::deit) {
        require_positive(m.patches, "patches");
        require_positive(m.patch_dim, "patch_dim");
    } else {
        require_positive(m.vocab, "vocab");
        if (m.patches != 0 || m.patch_dim != 0) {
            throw ConfigError("patches: only DeiT/ViT models have image patches");
        }
    }
    if (m.n_experts > 1 && m.family != Family::mixtral) {
        throw ConfigError("experts: only the mixtral family has expert FFNs");
    }
}

void validate_workload_spec(const ModelShape& m, const WorkloadSpec& w) {
    require_positive(w.batch, "batch");
    require_positive(w.prompt, m.is_encoder() ? "tokens" : "prompt");
    if (m.is_encoder() && w.decode != 0) {
        throw ConfigError(fmt::format("decode: encoder model '{}' has no decode steps", m.name));
    }
    if (w.bits == 0 || w.bits > 32) {
        throw ConfigError(fmt::format("bits: expected 1..32, got {}", w.bits));
    }
}

bool exceeds_context(const ModelShape& m, const WorkloadSpec& w) {
    return static_cast<std::uint64_t>(w.prompt) + w.decode > m.max_context;
}

std::uint64_t parameter_count(const ModelShape& m) {
    const std::uint64_t d = m.d_model;
    const std::uint64_t kv_width = std::uint64_t{2} * m.n_kv_heads * m.d_head;
    const std::uint64_t attention = d * (m.attn_width + kv_width) + std::uint64_t{m.attn_width} * d;
    const std::uint64_t matrices = m.gated_ffn ? 3 : 2;
    std::uint64_t ffn = matrices * d * m.d_ff * m.n_experts;
    if (m.n_experts > 1) {
        ffn += d * m.n_experts;  // router
    }
    std::uint64_t total = std::uint64_t{m.layers} * (attention + ffn);
    if (m.family == Family::deit) {
        total += std::uint64_t{m.patch_dim} * d + d * 1000;  // patch embedding, classifier
    } else {
        total += std::uint64_t{m.vocab} * d * (m.tied_embeddings ? 1 : 2);
    }
    return total;
}

}  // namespace ltdes::workload
