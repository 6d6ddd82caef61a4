// SPDX-License-Identifier: MIT
#include "ltdes/workload/presets.hpp"

#include <string>

namespace ltdes::workload {

namespace {

// The reference's model table (lt-model.md §4): embed width, heads, depth; FFN 4·e.
ModelShape encoder(
    std::string_view name, Family family, std::uint32_t e, std::uint32_t h, std::uint32_t depth) {
    ModelShape s;
    s.name = std::string(name);
    s.family = family;
    s.layers = depth;
    s.d_model = e;
    s.n_heads = h;
    s.n_kv_heads = h;
    s.d_head = e / h;
    s.attn_width = s.d_head * h;
    s.d_ff = 4 * e;
    s.vocab = family == Family::bert ? 30522 : 0;
    s.max_context = family == Family::bert ? 512 : 197;
    return s;
}

}  // namespace

std::optional<ModelShape> find_preset(std::string_view name) {
    if (name == "deit-t") {
        return encoder(name, Family::deit, 192, 3, 12);
    }
    if (name == "deit-s") {
        return encoder(name, Family::deit, 384, 6, 12);
    }
    if (name == "deit-b") {
        return encoder(name, Family::deit, 768, 12, 12);
    }
    if (name == "bert-b") {
        return encoder(name, Family::bert, 768, 12, 12);
    }
    if (name == "bert-l") {
        return encoder(name, Family::bert, 1024, 16, 24);
    }
    return std::nullopt;
}

}  // namespace ltdes::workload
