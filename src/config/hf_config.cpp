// SPDX-License-Identifier: MIT
#include "ltdes/config/hf_config.hpp"

#include "ltdes/core/error.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <limits>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>

namespace ltdes::config {

namespace {

using nlohmann::json;
using workload::ActKind;
using workload::Family;
using workload::ModelShape;
using workload::NormKind;

/// Typed access to the keys of one config file, with errors naming file and key.
class HfKeys {
public:
    HfKeys(const json& root, std::string file) : root_(root), file_(std::move(file)) {}

    [[noreturn]] void fail(std::string_view key, std::string_view what) const {
        throw ConfigError(fmt::format("{}: key '{}': {}", file_, key, what));
    }

    /// A non-negative integer that fits 32 bits; nullopt when absent (or null, if allowed).
    std::optional<std::uint32_t> optional_uint(std::string_view key, bool null_ok = false) const {
        const auto it = root_.find(key);
        if (it == root_.end() || (null_ok && it->is_null())) {
            return std::nullopt;
        }
        if (!it->is_number_integer()) {
            fail(key, fmt::format("expected an integer, got {}", describe(*it)));
        }
        const auto v = it->get<std::int64_t>();
        if (v < 0 || v > std::numeric_limits<std::uint32_t>::max()) {
            fail(key, fmt::format("expected an integer in 0..{}, got {}",
                                  std::numeric_limits<std::uint32_t>::max(), v));
        }
        return static_cast<std::uint32_t>(v);
    }

    std::uint32_t uint(std::string_view key) const {
        const auto v = optional_uint(key);
        if (!v) {
            fail(key, "missing (required for this model_type)");
        }
        if (*v == 0) {
            fail(key, "expected a positive integer, got 0");
        }
        return *v;
    }

    bool boolean(std::string_view key, bool absent) const {
        const auto it = root_.find(key);
        if (it == root_.end()) {
            return absent;
        }
        if (!it->is_boolean()) {
            fail(key, fmt::format("expected true or false, got {}", describe(*it)));
        }
        return it->get<bool>();
    }

    std::string string(std::string_view key) const {
        const auto it = root_.find(key);
        if (it == root_.end()) {
            fail(key, "missing");
        }
        if (!it->is_string()) {
            fail(key, fmt::format("expected a string, got {}", describe(*it)));
        }
        return it->get<std::string>();
    }

    /// d_model / heads, which must divide evenly.
    std::uint32_t head_dim(std::uint32_t d_model, std::uint32_t heads, std::string_view key) const {
        if (d_model % heads != 0) {
            fail(key, fmt::format("{} heads do not divide the hidden size {}", heads, d_model));
        }
        return d_model / heads;
    }

private:
    static std::string describe(const json& v) {
        std::string text = v.dump();
        if (text.size() > 40) {
            text = text.substr(0, 37) + "...";
        }
        return fmt::format("{} {}", v.type_name(), text);
    }

    const json& root_;
    std::string file_;
};

void set_attention(ModelShape& m,
                   const HfKeys& k,
                   std::uint32_t heads,
                   std::uint32_t kv_heads,
                   std::string_view heads_key) {
    m.n_heads = heads;
    m.n_kv_heads = kv_heads;
    // `head_dim`, when present, wins over hidden / heads (Mistral and Gemma configs set it so
    // that heads · head_dim differs from the hidden size: ModelShape::attn_width carries that).
    if (const auto given = k.optional_uint("head_dim", /*null_ok=*/true)) {
        if (*given == 0) {
            k.fail("head_dim", "expected a positive integer, got 0");
        }
        const bool rotary = m.family == Family::llama || m.family == Family::mixtral;
        if (rotary && *given % 2 != 0) {
            k.fail("head_dim", fmt::format("rotary embeddings rotate pairs of dimensions: "
                                           "expected an even head_dim, got {}",
                                           *given));
        }
        m.d_head = *given;
    } else {
        m.d_head = k.head_dim(m.d_model, heads, heads_key);
    }
    m.attn_width = heads * m.d_head;
}

ModelShape from_gpt2(const HfKeys& k) {
    ModelShape m;
    m.family = Family::gpt2;
    m.d_model = k.uint("n_embd");
    m.layers = k.uint("n_layer");
    const std::uint32_t heads = k.uint("n_head");
    set_attention(m, k, heads, heads, "n_head");
    const auto inner = k.optional_uint("n_inner", /*null_ok=*/true);
    m.d_ff = inner ? *inner : 4 * m.d_model;
    if (m.d_ff == 0) {
        k.fail("n_inner", "expected a positive integer or null, got 0");
    }
    m.max_context = k.uint("n_positions");
    m.vocab = k.uint("vocab_size");
    m.norm = NormKind::layernorm;
    m.act = ActKind::gelu;
    m.tied_embeddings = true;
    return m;
}

ModelShape from_encoder(const HfKeys& k, bool vision) {
    ModelShape m;
    m.family = vision ? Family::deit : Family::bert;
    m.d_model = k.uint("hidden_size");
    m.layers = k.uint("num_hidden_layers");
    const std::uint32_t heads = k.uint("num_attention_heads");
    set_attention(m, k, heads, heads, "num_attention_heads");
    m.d_ff = k.uint("intermediate_size");
    m.norm = NormKind::layernorm;
    m.act = ActKind::gelu;
    if (vision) {
        const std::uint32_t image = k.uint("image_size");
        const std::uint32_t patch = k.uint("patch_size");
        const std::uint32_t channels = k.uint("num_channels");
        if (image % patch != 0) {
            k.fail("patch_size", fmt::format("{} does not divide image_size {}", patch, image));
        }
        const std::uint64_t side = image / patch;
        const std::uint64_t patches = side * side;
        const std::uint64_t patch_dim = std::uint64_t{channels} * patch * patch;
        if (patches + 1 > std::numeric_limits<std::uint32_t>::max() ||
            patch_dim > std::numeric_limits<std::uint32_t>::max()) {
            k.fail("image_size", "too many patches");
        }
        m.patches = static_cast<std::uint32_t>(patches);
        m.patch_dim = static_cast<std::uint32_t>(patch_dim);
        m.max_context = m.patches + 1;  // patches plus the CLS token
        m.vocab = 0;
    } else {
        m.max_context = k.uint("max_position_embeddings");
        m.vocab = k.uint("vocab_size");
    }
    return m;
}

ModelShape from_llama(const HfKeys& k, bool moe) {
    ModelShape m;
    m.family = moe ? Family::mixtral : Family::llama;
    m.d_model = k.uint("hidden_size");
    m.d_ff = k.uint("intermediate_size");
    m.layers = k.uint("num_hidden_layers");
    const std::uint32_t heads = k.uint("num_attention_heads");
    const auto kv = k.optional_uint("num_key_value_heads", /*null_ok=*/true);
    if (kv && *kv == 0) {
        k.fail("num_key_value_heads", "expected a positive integer, got 0");
    }
    if (kv && heads % *kv != 0) {
        k.fail("num_key_value_heads",
               fmt::format("{} does not divide num_attention_heads {}", *kv, heads));
    }
    set_attention(m, k, heads, kv ? *kv : heads, "num_attention_heads");
    m.max_context = k.uint("max_position_embeddings");
    m.vocab = k.uint("vocab_size");
    m.tied_embeddings = k.boolean("tie_word_embeddings", false);
    m.gated_ffn = true;
    m.norm = NormKind::rmsnorm;
    m.act = ActKind::silu;
    if (moe) {
        m.n_experts = k.uint("num_local_experts");
        m.top_k = k.uint("num_experts_per_tok");
        if (m.top_k > m.n_experts) {
            k.fail("num_experts_per_tok",
                   fmt::format("{} exceeds num_local_experts {}", m.top_k, m.n_experts));
        }
    }
    return m;
}

}  // namespace

workload::ModelShape load_hf_config(const std::filesystem::path& path) {
    const std::string file = path.string();
    std::ifstream in(path, std::ios::binary);
    if (!in || std::filesystem::is_directory(path)) {
        throw ConfigError(fmt::format("{}: cannot open Hugging Face config file", file));
    }
    std::stringstream text;
    text << in.rdbuf();
    json root;
    try {
        root = json::parse(text.str());
    } catch (const json::parse_error& e) {
        throw ConfigError(fmt::format("{}: not valid JSON: {}", file, e.what()));
    }
    if (!root.is_object()) {
        throw ConfigError(fmt::format("{}: expected a JSON object at the top level", file));
    }
    const HfKeys keys(root, file);
    const std::string type = keys.string("model_type");
    ModelShape m;
    if (type == "gpt2") {
        m = from_gpt2(keys);
    } else if (type == "bert") {
        m = from_encoder(keys, /*vision=*/false);
    } else if (type == "vit" || type == "deit") {
        m = from_encoder(keys, /*vision=*/true);
    } else if (type == "llama" || type == "mistral") {
        m = from_llama(keys, /*moe=*/false);
    } else if (type == "mixtral") {
        m = from_llama(keys, /*moe=*/true);
    } else {
        keys.fail("model_type", fmt::format("unsupported model type '{}' (expected gpt2, bert, "
                                            "vit, deit, llama, mistral or mixtral)",
                                            type));
    }
    m.name = path.stem().string();
    try {
        workload::validate_model_shape(m);
    } catch (const ConfigError& e) {
        throw ConfigError(fmt::format("{}: {}", file, e.what()));
    }
    return m;
}

}  // namespace ltdes::config
