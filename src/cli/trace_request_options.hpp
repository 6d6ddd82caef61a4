// SPDX-License-Identifier: MIT
// The options `trace gen --requests` and `trace import` share: the model, the precision, the
// spec options and the output written through a temporary file.
#pragma once

#include "ltdes/core/error.hpp"
#include "ltdes/workload/model_shape.hpp"

#include <cxxopts.hpp>
#include <fmt/format.h>

#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <string_view>

namespace ltdes::cli {

/// The model of `--model` or `--hf-config`.
workload::ModelShape model_from(const cxxopts::ParseResult& r);

/// The value of a required option; UsageError naming `trace ACTION` when it is missing.
std::string required(const cxxopts::ParseResult& r, const char* key, std::string_view action);

/// An integer option ≥ `min`, `fallback` when absent; UsageError otherwise.
std::uint64_t unsigned_option(const cxxopts::ParseResult& r,
                              const char* key,
                              std::uint64_t fallback,
                              std::uint64_t min);

/// `--bits`: 1..32, default 4.
std::uint32_t bits_option(const cxxopts::ParseResult& r);

/// Parses a spec option, prefixing the parser's message with the option name.
template <class Spec>
Spec spec_option(const cxxopts::ParseResult& r,
                 const char* key,
                 Spec (*parse)(std::string_view),
                 std::string_view action) {
    const std::string text = required(r, key, action);
    try {
        return parse(text);
    } catch (const ConfigError& e) {
        throw UsageError(fmt::format("--{}: {}", key, e.what()));
    }
}

/// Calls `write` with a stream to `out_path` ('-': stdout). A file is written as
/// `<out_path>.tmp` and renamed when `write` returns; on any error it is removed.
void write_output(const std::string& out_path, const std::function<void(std::ostream&)>& write);

/// `--model`, `--hf-config`, `--bits`, `-o` and `-h`.
void add_model_options(cxxopts::Options& options);

}  // namespace ltdes::cli
