// SPDX-License-Identifier: MIT
// Hugging Face config.json → ModelShape (docs/commands.md). The JSON below uses the keys and values
// of the published configs (gpt2, bert-base-uncased, google/vit-base-patch16-224,
// meta-llama/Llama-2-70b-hf, mistralai/Mixtral-8x7B-v0.1).
#include "ltdes/config/hf_config.hpp"

#include "ltdes/core/error.hpp"
#include "ltdes/workload/presets.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace ltdes::config {
namespace {

using workload::ModelShape;

std::filesystem::path write_json(const std::string& name, const std::string& text) {
    // A folder per test: CTest runs test cases as parallel processes.
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    const auto dir = std::filesystem::path(::testing::TempDir()) /
                     (std::string("ltdes-hf-") + info->test_suite_name() + "-" + info->name());
    std::filesystem::create_directories(dir);
    const auto path = dir / name;
    std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
    return path;
}

/// Every field but the name.
void expect_same_shape(const ModelShape& a, const ModelShape& b) {
    EXPECT_EQ(a.family, b.family);
    EXPECT_EQ(a.layers, b.layers);
    EXPECT_EQ(a.d_model, b.d_model);
    EXPECT_EQ(a.n_heads, b.n_heads);
    EXPECT_EQ(a.n_kv_heads, b.n_kv_heads);
    EXPECT_EQ(a.d_head, b.d_head);
    EXPECT_EQ(a.attn_width, b.attn_width);
    EXPECT_EQ(a.d_ff, b.d_ff);
    EXPECT_EQ(a.gated_ffn, b.gated_ffn);
    EXPECT_EQ(a.n_experts, b.n_experts);
    EXPECT_EQ(a.top_k, b.top_k);
    EXPECT_EQ(a.vocab, b.vocab);
    EXPECT_EQ(a.max_context, b.max_context);
    EXPECT_EQ(a.norm, b.norm);
    EXPECT_EQ(a.act, b.act);
    EXPECT_EQ(a.tied_embeddings, b.tied_embeddings);
    EXPECT_EQ(a.patches, b.patches);
    EXPECT_EQ(a.patch_dim, b.patch_dim);
}

const char* kGpt2 = R"({"activation_function": "gelu_new", "architectures": ["GPT2LMHeadModel"],
  "model_type": "gpt2", "n_ctx": 1024, "n_embd": 768, "n_head": 12, "n_inner": null,
  "n_layer": 12, "n_positions": 1024, "vocab_size": 50257, "layer_norm_epsilon": 1e-05})";

const char* kLlama70b = R"({"architectures": ["LlamaForCausalLM"], "hidden_act": "silu",
  "hidden_size": 8192, "intermediate_size": 28672, "max_position_embeddings": 4096,
  "model_type": "llama", "num_attention_heads": 64, "num_hidden_layers": 80,
  "num_key_value_heads": 8, "rms_norm_eps": 1e-05, "tie_word_embeddings": false,
  "torch_dtype": "float16", "vocab_size": 32000})";

TEST(HfConfig, Gpt2MatchesThePreset) {
    const ModelShape m = load_hf_config(write_json("gpt2.json", kGpt2));
    EXPECT_EQ(m.name, "gpt2");
    expect_same_shape(m, *workload::find_preset("gpt2"));
}

TEST(HfConfig, Gpt2InnerSizeWhenGiven) {
    std::string text = kGpt2;
    text.replace(text.find("\"n_inner\": null"), 15, "\"n_inner\": 1000");
    EXPECT_EQ(load_hf_config(write_json("gpt2-inner.json", text)).d_ff, 1000u);
}

TEST(HfConfig, LlamaWithGqaMatchesThePreset) {
    const ModelShape m = load_hf_config(write_json("llama2-70b.json", kLlama70b));
    EXPECT_EQ(m.name, "llama2-70b");
    expect_same_shape(m, *workload::find_preset("llama2-70b"));
}

TEST(HfConfig, MissingKvHeadsMeansNoGqaAndMistralIsLlama) {
    std::string text = kLlama70b;
    text.replace(text.find("\"num_key_value_heads\": 8,"), 25, "");
    text.replace(text.find("\"llama\""), 7, "\"mistral\"");
    const ModelShape m = load_hf_config(write_json("mha.json", text));
    EXPECT_EQ(m.n_kv_heads, 64u);
    EXPECT_EQ(m.family, workload::Family::llama);
}

// Gemma-style: 8 heads of head_dim 256 on a hidden size of 3072 (8 · 256 = 2048 ≠ 3072 and
// 3072 / 8 = 384 ≠ 256): head_dim wins and the attention width is 8 · 256 = 2048.
TEST(HfConfig, HeadDimWhenPresentSetsTheHeadSizeAndAttentionWidth) {
    std::string text = kLlama70b;
    text.replace(text.find("\"num_key_value_heads\": 8,"), 25,
                 "\"num_key_value_heads\": 8, \"head_dim\": 256,");
    const std::string heads = "\"num_attention_heads\": 64";
    text.replace(text.find(heads), heads.size(), "\"num_attention_heads\": 8");
    const ModelShape m = load_hf_config(write_json("head-dim.json", text));
    EXPECT_EQ(m.n_heads, 8u);
    EXPECT_EQ(m.d_head, 256u);
    EXPECT_EQ(m.attn_width, 2048u);
    EXPECT_EQ(m.d_model, 8192u);  // the hidden size is kept
}

TEST(HfConfig, MixtralMatchesThePreset) {
    const char* text = R"({"architectures": ["MixtralForCausalLM"], "hidden_size": 4096,
      "intermediate_size": 14336, "max_position_embeddings": 32768, "model_type": "mixtral",
      "num_attention_heads": 32, "num_experts_per_tok": 2, "num_hidden_layers": 32,
      "num_key_value_heads": 8, "num_local_experts": 8, "rope_theta": 1e6,
      "tie_word_embeddings": false, "vocab_size": 32000})";
    expect_same_shape(load_hf_config(write_json("mixtral.json", text)),
                      *workload::find_preset("mixtral-8x7b"));
}

TEST(HfConfig, BertAndVitMatchThePaperEncoders) {
    const char* bert = R"({"architectures": ["BertForMaskedLM"], "hidden_size": 768,
      "intermediate_size": 3072, "max_position_embeddings": 512, "model_type": "bert",
      "num_attention_heads": 12, "num_hidden_layers": 12, "vocab_size": 30522})";
    expect_same_shape(load_hf_config(write_json("bert-base-uncased.json", bert)),
                      *workload::find_preset("bert-b"));
    const char* vit = R"({"architectures": ["ViTForImageClassification"], "hidden_size": 768,
      "image_size": 224, "intermediate_size": 3072, "model_type": "vit",
      "num_attention_heads": 12, "num_channels": 3, "num_hidden_layers": 12,
      "patch_size": 16, "qkv_bias": true})";
    const ModelShape m = load_hf_config(write_json("vit-base-patch16-224.json", vit));
    expect_same_shape(m, *workload::find_preset("deit-b"));
    EXPECT_EQ(m.patches, 196u);  // (224/16)²
    EXPECT_EQ(m.max_context, 197u);
}

/// The error names the file and the key.
void expect_error(const std::string& name, const std::string& text, const std::string& what) {
    const auto path = write_json(name, text);
    try {
        load_hf_config(path);
        ADD_FAILURE() << "no error for " << name;
    } catch (const ConfigError& e) {
        const std::string msg = e.what();
        EXPECT_EQ(msg.rfind(path.string() + ": ", 0), 0u) << msg;
        EXPECT_NE(msg.find(what), std::string::npos) << msg << "\nexpected: " << what;
    }
}

TEST(HfConfigErrors, HeadDimTheModelCannotRepresent) {
    std::string text = kLlama70b;
    text.replace(text.find("\"num_key_value_heads\": 8,"), 25,
                 "\"num_key_value_heads\": 8, \"head_dim\": 127,");
    expect_error("odd-head-dim.json", text,
                 "key 'head_dim': rotary embeddings rotate pairs of dimensions: expected an even "
                 "head_dim, got 127");
    text = kLlama70b;
    text.replace(text.find("\"num_key_value_heads\": 8,"), 25,
                 "\"num_key_value_heads\": 8, \"head_dim\": 0,");
    expect_error("zero-head-dim.json", text, "key 'head_dim': expected a positive integer, got 0");
}

TEST(HfConfigErrors, NameTheKey) {
    std::string text = kGpt2;
    expect_error("t5.json", R"({"model_type": "t5", "d_model": 512})",
                 "key 'model_type': unsupported model type 't5'");
    expect_error("no-type.json", R"({"n_embd": 768})", "key 'model_type': missing");
    text = kGpt2;
    text.replace(text.find("\"n_layer\": 12,"), 14, "");
    expect_error("no-layers.json", text, "key 'n_layer': missing");
    text = kGpt2;
    text.replace(text.find("\"n_embd\": 768"), 13, "\"n_embd\": \"768\"");
    expect_error("string.json", text, "key 'n_embd': expected an integer, got string \"768\"");
    text = kGpt2;
    text.replace(text.find("\"n_embd\": 768"), 13, "\"n_embd\": 768.5");
    expect_error("float.json", text, "key 'n_embd': expected an integer, got number 768.5");
    text = kGpt2;
    text.replace(text.find("\"n_head\": 12"), 12, "\"n_head\": -12");
    expect_error("negative.json", text, "key 'n_head': expected an integer in 0..");
    text = kGpt2;
    text.replace(text.find("\"n_head\": 12"), 12, "\"n_head\": 7");
    expect_error("heads.json", text, "key 'n_head': 7 heads do not divide the hidden size 768");
    text = kLlama70b;
    text.replace(text.find("\"num_key_value_heads\": 8"), 24, "\"num_key_value_heads\": 6");
    expect_error("kv.json", text, "key 'num_key_value_heads': 6 does not divide");
    text = kLlama70b;
    text.replace(text.find("\"tie_word_embeddings\": false"), 28, "\"tie_word_embeddings\": 0");
    expect_error("tie.json", text, "key 'tie_word_embeddings': expected true or false");
    expect_error("broken.json", "{\"model_type\": \"gpt2\",", "not valid JSON");
    expect_error("array.json", "[1, 2]", "expected a JSON object");
    try {
        load_hf_config("/nonexistent/config.json");
        ADD_FAILURE() << "no error";
    } catch (const ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find("/nonexistent/config.json: cannot open"),
                  std::string::npos);
    }
}

}  // namespace
}  // namespace ltdes::config
