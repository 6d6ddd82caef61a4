// SPDX-License-Identifier: MIT
// Presets against the models' published configurations (typed in by hand, not from the code).
#include "ltdes/workload/presets.hpp"

#include "ltdes/core/error.hpp"
#include "ltdes/workload/op_graph.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

namespace ltdes::workload {
namespace {

struct TableRow {
    const char* name;
    std::uint32_t layers, d_model, heads, kv_heads, d_head, d_ff, vocab, context;
    double params_b;      ///< "~Params (weights)" column, billions
    double params_tol_b;  ///< half a unit of the column's last digit
    double kv_kib;        ///< "KV bytes/token fp16", KiB
};

// docs/trace-format.md. GPT-3 XL uses attention width = d_model (16 heads × 128, see the
// table's footnote); GPT-3 13B keeps d_model 5140 with 40 × 128 attention.
constexpr TableRow kTable[] = {
    {"gpt2", 12, 768, 12, 12, 64, 3072, 50257, 1024, 0.12, 0.005, 36},
    {"gpt2-medium", 24, 1024, 16, 16, 64, 4096, 50257, 1024, 0.35, 0.005, 96},
    {"gpt2-large", 36, 1280, 20, 20, 64, 5120, 50257, 1024, 0.77, 0.005, 180},
    {"gpt2-xl", 48, 1600, 25, 25, 64, 6400, 50257, 1024, 1.55, 0.005, 300},
    {"gpt3-125m", 12, 768, 12, 12, 64, 3072, 50257, 2048, 0.12, 0.005, 36},
    {"gpt3-350m", 24, 1024, 16, 16, 64, 4096, 50257, 2048, 0.35, 0.005, 96},
    {"gpt3-760m", 24, 1536, 16, 16, 96, 6144, 50257, 2048, 0.76, 0.005, 144},
    {"gpt3-1.3b", 24, 2048, 16, 16, 128, 8192, 50257, 2048, 1.3, 0.05, 192},
    {"gpt3-2.7b", 32, 2560, 32, 32, 80, 10240, 50257, 2048, 2.65, 0.005, 320},
    {"gpt3-6.7b", 32, 4096, 32, 32, 128, 16384, 50257, 2048, 6.65, 0.005, 512},
    {"gpt3-13b", 40, 5140, 40, 40, 128, 20560, 50257, 2048, 12.95, 0.05, 800},
    {"gpt3-175b", 96, 12288, 96, 96, 128, 49152, 50257, 2048, 174.6, 0.05, 4608},
    {"llama2-7b", 32, 4096, 32, 32, 128, 11008, 32000, 4096, 6.74, 0.005, 512},
    {"llama2-13b", 40, 5120, 40, 40, 128, 13824, 32000, 4096, 13.0, 0.05, 800},
    {"llama2-70b", 80, 8192, 64, 8, 128, 28672, 32000, 4096, 69.0, 0.05, 320},
    {"llama3-8b", 32, 4096, 32, 8, 128, 14336, 128256, 8192, 8.03, 0.005, 128},
    {"llama3-70b", 80, 8192, 64, 8, 128, 28672, 128256, 8192, 70.6, 0.05, 320},
    {"mixtral-8x7b", 32, 4096, 32, 8, 128, 14336, 32000, 32768, 46.7, 0.05, 128},
};

TEST(Presets, EveryRequiredNameExistsAndValidates) {
    const char* required[] = {
        "deit-t",      "deit-s",     "deit-b",    "bert-b",     "bert-l",       "gpt2",
        "gpt2-medium", "gpt2-large", "gpt2-xl",   "gpt3-125m",  "gpt3-350m",    "gpt3-760m",
        "gpt3-1.3b",   "gpt3-2.7b",  "gpt3-6.7b", "gpt3-13b",   "gpt3-175b",    "llama2-7b",
        "llama2-13b",  "llama2-70b", "llama3-8b", "llama3-70b", "mixtral-8x7b", "tiny"};
    EXPECT_EQ(preset_names().size(), std::size(required));
    for (const char* name : required) {
        const auto m = find_preset(name);
        ASSERT_TRUE(m.has_value()) << name;
        EXPECT_EQ(m->name, name);
        EXPECT_NO_THROW(validate_model_shape(*m)) << name;
    }
    for (const auto name : preset_names()) {
        EXPECT_TRUE(find_preset(name).has_value()) << name;
    }
    EXPECT_FALSE(find_preset("gpt4").has_value());
    EXPECT_FALSE(find_preset("GPT2").has_value());
}

TEST(Presets, ShapesMatchModelsTable) {
    for (const TableRow& row : kTable) {
        SCOPED_TRACE(row.name);
        const auto m = find_preset(row.name);
        ASSERT_TRUE(m.has_value());
        EXPECT_EQ(m->layers, row.layers);
        EXPECT_EQ(m->d_model, row.d_model);
        EXPECT_EQ(m->n_heads, row.heads);
        EXPECT_EQ(m->n_kv_heads, row.kv_heads);
        EXPECT_EQ(m->d_head, row.d_head);
        EXPECT_EQ(m->attn_width, row.heads * row.d_head);
        EXPECT_EQ(m->d_ff, row.d_ff);
        EXPECT_EQ(m->vocab, row.vocab);
        EXPECT_EQ(m->max_context, row.context);
        const bool llama_like = m->family == Family::llama || m->family == Family::mixtral;
        EXPECT_EQ(m->gated_ffn, llama_like);
        EXPECT_EQ(m->norm, llama_like ? NormKind::rmsnorm : NormKind::layernorm);
        EXPECT_EQ(m->act, llama_like ? ActKind::silu : ActKind::gelu);
        EXPECT_EQ(m->tied_embeddings, !llama_like);
    }
    const auto mixtral = find_preset("mixtral-8x7b");
    EXPECT_EQ(mixtral->n_experts, 8u);
    EXPECT_EQ(mixtral->top_k, 2u);
}

TEST(Presets, ParameterCountsMatchModelsTable) {
    for (const TableRow& row : kTable) {
        const double billions = static_cast<double>(parameter_count(*find_preset(row.name))) / 1e9;
        EXPECT_NEAR(billions, row.params_b, row.params_tol_b) << row.name;
    }
}

TEST(Presets, ParameterCountsOfThePaperEncoders) {
    // 12 layers · 12·e² (QKV, O, two 4e FFN matrices) + patch embedding 768·e + 1000-class head.
    EXPECT_EQ(parameter_count(*find_preset("deit-t")), 12u * 12 * 192 * 192 + 768u * 192 + 192000);
    EXPECT_EQ(parameter_count(*find_preset("deit-b")), 12u * 12 * 768 * 768 + 768u * 768 + 768000);
    // BERT-L: 24 layers plus the 30522-token table.
    EXPECT_EQ(parameter_count(*find_preset("bert-l")), 24u * 12 * 1024 * 1024 + 30522u * 1024);
}

TEST(Presets, KvCacheBytesPerTokenMatchModelsTable) {
    // One fp16 prompt token: the kv_write ops of all layers store exactly one token's K and V.
    for (const TableRow& row : kTable) {
        SCOPED_TRACE(row.name);
        const WorkloadSpec w{.batch = 1, .prompt = 1, .decode = 0, .bits = 16};
        std::uint64_t kv_bytes = 0;
        for (const Op& op : build_workload_ops(*find_preset(row.name), w)) {
            if (op.kind == OpKind::kv_write) {
                kv_bytes += op.bytes;
            }
        }
        EXPECT_EQ(static_cast<double>(kv_bytes), row.kv_kib * 1024);
    }
}

TEST(Presets, PaperEncodersUseThePapersShapes) {
    // docs/model.md: e, h, depth; head_dim = e // h = 64; FFN 4e.
    const struct {
        const char* name;
        std::uint32_t e, h, depth;
    } rows[] = {{"deit-t", 192, 3, 12},
                {"deit-s", 384, 6, 12},
                {"deit-b", 768, 12, 12},
                {"bert-b", 768, 12, 12},
                {"bert-l", 1024, 16, 24}};

    for (const auto& r : rows) {
        const auto m = find_preset(r.name);
        EXPECT_EQ(m->d_model, r.e) << r.name;
        EXPECT_EQ(m->n_heads, r.h) << r.name;
        EXPECT_EQ(m->layers, r.depth) << r.name;
        EXPECT_EQ(m->d_head, 64u) << r.name;
        EXPECT_EQ(m->d_ff, 4 * r.e) << r.name;
        EXPECT_TRUE(m->is_encoder()) << r.name;
    }
    EXPECT_EQ(find_preset("deit-s")->patches, 196u);
    EXPECT_EQ(find_preset("deit-s")->patch_dim, 768u);
    EXPECT_EQ(find_preset("bert-b")->patches, 0u);
}

TEST(ModelShapeValidation, NamesTheBadField) {
    auto expect_error = [](ModelShape m, const std::string& field) {
        try {
            validate_model_shape(m);
            ADD_FAILURE() << "no error for " << field;
        } catch (const ConfigError& e) {
            EXPECT_EQ(std::string(e.what()).rfind(field + ":", 0), 0u) << e.what();
        }
    };
    const ModelShape good = *find_preset("llama2-70b");
    ModelShape m = good;
    m.n_kv_heads = 7;
    expect_error(m, "n_kv_heads");
    m = good;
    m.attn_width = 8000;
    expect_error(m, "attn_width");
    m = good;
    m.layers = 0;
    expect_error(m, "layers");
    m = *find_preset("mixtral-8x7b");
    m.top_k = 9;
    expect_error(m, "top_k");
    m = good;
    m.name = "two words";
    expect_error(m, "name");
}

}  // namespace
}  // namespace ltdes::workload
