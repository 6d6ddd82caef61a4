// SPDX-License-Identifier: MIT
// The options `trace gen --requests` and `trace import` share.
#include "cli/trace_request_options.hpp"

#include "ltdes/sim/workload_source.hpp"

#include <charconv>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <system_error>

namespace ltdes::cli {

workload::ModelShape model_from(const cxxopts::ParseResult& r) {
    sim::WorkloadRequest request;
    if (r.count("model") > 0) {
        request.model = r["model"].as<std::string>();
    }
    if (r.count("hf-config") > 0) {
        request.hf_config = r["hf-config"].as<std::string>();
    }
    return sim::resolve_model(request);
}

std::string required(const cxxopts::ParseResult& r, const char* key, std::string_view action) {
    if (r.count(key) == 0) {
        throw UsageError(fmt::format("trace {}: missing --{}", action, key));
    }
    return r[key].as<std::string>();
}

std::uint64_t unsigned_option(const cxxopts::ParseResult& r,
                              const char* key,
                              std::uint64_t fallback,
                              std::uint64_t min) {
    if (r.count(key) == 0) {
        return fallback;
    }
    const auto s = r[key].as<std::string>();
    std::uint64_t v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc() || end != s.data() + s.size() || v < min) {
        throw UsageError(fmt::format("--{}: expected an integer >= {}, got '{}'", key, min, s));
    }
    return v;
}

std::uint32_t bits_option(const cxxopts::ParseResult& r) {
    const std::uint64_t bits = unsigned_option(r, "bits", 4, 1);
    if (bits > 32) {
        throw UsageError(fmt::format("--bits: expected 1..32, got {}", bits));
    }
    return static_cast<std::uint32_t>(bits);
}

void write_output(const std::string& out_path, const std::function<void(std::ostream&)>& write) {
    if (out_path == "-") {
        write(std::cout);
        std::cout.flush();
        if (!std::cout) {
            throw OutputError("stdout: write failed");
        }
        return;
    }
    const std::string tmp = out_path + ".tmp";
    try {
        std::ofstream file(tmp, std::ios::binary | std::ios::trunc);
        if (!file) {
            throw OutputError(
                fmt::format("{}: cannot write the trace file (does its folder exist?)", out_path));
        }
        write(file);
        file.close();
        if (!file) {
            throw OutputError(fmt::format("{}: write failed", out_path));
        }
        std::error_code ec;
        std::filesystem::rename(tmp, out_path, ec);
        if (ec) {
            throw OutputError(
                fmt::format("{}: cannot rename the finished trace: {}", out_path, ec.message()));
        }
    } catch (...) {
        std::error_code ignored;
        std::filesystem::remove(tmp, ignored);
        throw;
    }
}

void add_model_options(cxxopts::Options& options) {
    options.add_options()("model", "preset name (" + sim::preset_list() + ")",
                          cxxopts::value<std::string>())(
        "hf-config", "local Hugging Face config.json instead of a preset",
        cxxopts::value<std::string>())("bits", "precision recorded in the trace (default 4)",
                                       cxxopts::value<std::string>())(
        "o,output", "trace file to write ('-' for stdout)", cxxopts::value<std::string>())(
        "h,help", "this help");
}

}  // namespace ltdes::cli
