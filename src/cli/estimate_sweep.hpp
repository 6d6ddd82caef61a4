// SPDX-License-Identifier: MIT
// `lt-des estimate` sweeps: comma lists or --cases, one CSV row per case (docs/commands.md).
#pragma once

#include "ltdes/cluster/cluster_spec.hpp"

#include <cxxopts.hpp>

#include <optional>
#include <vector>

namespace ltdes::cli {

/// The value of a list option given exactly one value; nullopt when absent or a list.
template <class T>
std::optional<T> single_arg(const cxxopts::ParseResult& args, const char* name) {
    if (args.count(name) == 0) {
        return std::nullopt;
    }
    const auto& values = args[name].as<std::vector<T>>();
    return values.size() == 1 ? std::optional<T>(values.front()) : std::nullopt;
}

/// True when the estimate is a sweep: --cases, or several values of a list option.
bool is_sweep(const cxxopts::ParseResult& args);

/// Runs the sweep on `cluster`'s DRAM and prints the CSV on stdout. Throws UsageError for
/// options a sweep cannot take (--trace, --compat, --out, --breakdown) and for a bad case
/// ("<file>:<line>: ..." or "case N (...): ...") before printing anything.
int run_estimate_sweep(const cxxopts::ParseResult& args, const cluster::ClusterSpec& cluster);

}  // namespace ltdes::cli
