// SPDX-License-Identifier: MIT
#include "cli/estimate_sweep.hpp"

#include "ltdes/core/error.hpp"
#include "ltdes/sim/estimate_sweep.hpp"

#include <fmt/format.h>

#include <array>
#include <cstdio>
#include <string>
#include <string_view>

namespace ltdes::cli {

namespace {

constexpr std::array<const char*, 6> kListOptions = {"model",  "arch",   "tokens",
                                                     "prompt", "decode", "batch"};

template <class T>
std::vector<std::optional<T>> values_of(const cxxopts::ParseResult& args, const char* name) {
    if (args.count(name) == 0) {
        return {std::nullopt};
    }
    std::vector<std::optional<T>> out;
    for (const T& v : args[name].as<std::vector<T>>()) {
        out.emplace_back(v);
    }
    return out;
}

std::string describe(const sim::SweepCase& c) {
    std::string s;
    const auto add = [&s](const char* name, const auto& v) {
        if (v) {
            s += fmt::format("{}--{} {}", s.empty() ? "" : " ", name, *v);
        }
    };
    add("model", c.request.model);
    add("arch", c.arch.empty() ? std::optional<std::string>() : std::optional(c.arch));
    add("tokens", c.request.tokens);
    add("prompt", c.request.prompt);
    add("decode", c.request.decode);
    add("batch", c.request.batch);
    return s;
}

/// Every combination of the list options, arch outermost and batch innermost.
std::vector<sim::SweepCase> cartesian_cases(const cxxopts::ParseResult& args,
                                            const sim::SweepCase& base) {
    std::vector<sim::SweepCase> cases;
    for (const auto& arch : values_of<std::string>(args, "arch")) {
        for (const auto& model : values_of<std::string>(args, "model")) {
            for (const auto& tokens : values_of<std::int64_t>(args, "tokens")) {
                for (const auto& prompt : values_of<std::int64_t>(args, "prompt")) {
                    for (const auto& decode : values_of<std::int64_t>(args, "decode")) {
                        for (const auto& batch : values_of<std::int64_t>(args, "batch")) {
                            sim::SweepCase c = base;
                            c.arch = arch.value_or("");
                            c.request.model = model;
                            c.request.tokens = tokens;
                            c.request.prompt = prompt;
                            c.request.decode = decode;
                            c.request.batch = batch;
                            c.where = fmt::format("case {} ({})", cases.size() + 1, describe(c));
                            cases.push_back(std::move(c));
                        }
                    }
                }
            }
        }
    }
    return cases;
}

/// How many values a list option was given (0 when absent).
std::size_t value_count(const cxxopts::ParseResult& args, const char* name) {
    if (args.count(name) == 0) {
        return 0;
    }
    const bool text = std::string_view(name) == "model" || std::string_view(name) == "arch";
    return text ? args[name].as<std::vector<std::string>>().size()
                : args[name].as<std::vector<std::int64_t>>().size();
}

}  // namespace

bool is_sweep(const cxxopts::ParseResult& args) {
    if (args.count("cases") != 0) {
        return true;
    }
    for (const char* name : kListOptions) {
        if (value_count(args, name) > 1) {
            return true;
        }
    }
    return false;
}

int run_estimate_sweep(const cxxopts::ParseResult& args, const cluster::ClusterSpec& cluster) {
    for (const char* name : {"trace", "compat", "out", "breakdown"}) {
        if (args.count(name) != 0) {
            throw UsageError(fmt::format(
                "--{} cannot be combined with a sweep (--cases or a comma list)", name));
        }
    }
    sim::SweepCase base;
    base.request.hf_config = args.count("hf-config") != 0
                                 ? std::optional(args["hf-config"].as<std::string>())
                                 : std::nullopt;
    std::vector<sim::SweepCase> cases;
    if (args.count("cases") != 0) {
        // Single values on the command line are the defaults of the file's empty cells.
        for (const char* name : kListOptions) {
            if (value_count(args, name) > 1) {
                throw UsageError(
                    fmt::format("--cases takes single values of --{} (the defaults of empty "
                                "cells), not a list",
                                name));
            }
        }
        base.arch = single_arg<std::string>(args, "arch").value_or("");
        base.request.model = single_arg<std::string>(args, "model");
        base.request.tokens = single_arg<std::int64_t>(args, "tokens");
        base.request.prompt = single_arg<std::int64_t>(args, "prompt");
        base.request.decode = single_arg<std::int64_t>(args, "decode");
        base.request.batch = single_arg<std::int64_t>(args, "batch");
        cases = sim::read_sweep_cases(args["cases"].as<std::string>(), base);
    } else {
        cases = cartesian_cases(args, base);
    }
    const std::vector<sim::SweepRow> rows =
        sim::run_sweep(cases, cluster, args["opt"].as<std::string>());
    std::string out = "case,model,arch,batch,prompt,decode,ops,energy_mJ,latency_ms,edp_mJ_ms\n";
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const sim::SweepRow& r = rows[i];
        out += fmt::format("{},{},{},{},{},{},{},{},{},{}\n", i + 1, r.model, r.arch, r.batch,
                           r.prompt, r.decode, r.ops, r.energy_mj, r.latency_ms,
                           r.energy_mj * r.latency_ms);
    }
    std::fputs(out.c_str(), stdout);
    return 0;
}

}  // namespace ltdes::cli
