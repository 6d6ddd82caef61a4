// SPDX-License-Identifier: MIT
// Helpers for the trace tests: temporary files and the header lines of a tiny decoder.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace ltdes::trace::testing {

/// A folder of its own for the running test: CTest runs test cases as parallel processes.
inline std::filesystem::path test_dir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = std::string("ltdes-") + info->test_suite_name() + "-" + info->name();
    for (char& c : name) {
        if (c == '/') {
            c = '_';
        }
    }
    const auto dir = std::filesystem::path(::testing::TempDir()) / name;
    std::filesystem::create_directories(dir);
    return dir;
}

/// Writes `text` to a fresh file in the test's temp folder and returns its path.
inline std::filesystem::path write_temp(const std::string& name, const std::string& text) {
    const std::filesystem::path path = test_dir() / name;
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    return path;
}

inline std::string read_file(const std::filesystem::path& path) {
    std::string text(std::filesystem::file_size(path), '\0');
    std::ifstream in(path, std::ios::binary);
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    return text;
}

/// Magic, model and workload lines of a 2-layer decoder with `decode` steps (lines 1-3). A
/// complete trace must reach exactly that many decode steps.
inline std::string tiny_header(unsigned decode = 3) {
    return "lt-trace 1\n"
           "model name=t family=gpt2 layers=2 d_model=64 n_heads=4 n_kv_heads=4 d_head=16 "
           "attn_width=64 d_ff=256 gated_ffn=0 experts=1 top_k=1 vocab=512 max_context=64 "
           "norm=layernorm act=gelu tied_embeddings=1 patches=0 patch_dim=0\n"
           "workload batch=1 prompt=8 decode=" +
           std::to_string(decode) + " bits=4\n";
}

}  // namespace ltdes::trace::testing
