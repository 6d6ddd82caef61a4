// SPDX-License-Identifier: MIT
// `lt-des trace gen|import|validate`: write a trace from a preset or a Hugging Face config, or
// check one. Request traces (gen --requests, import) are in cmd_trace_requests.cpp.
#include "cli/commands.hpp"
#include "cli/options.hpp"
#include "cli/trace_requests.hpp"

#include "ltdes/config/hf_config.hpp"
#include "ltdes/core/error.hpp"
#include "ltdes/core/log.hpp"
#include "ltdes/trace/trace_reader.hpp"
#include "ltdes/trace/trace_summary.hpp"
#include "ltdes/trace/trace_writer.hpp"
#include "ltdes/workload/op_graph.hpp"
#include "ltdes/workload/presets.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <string_view>

namespace ltdes::cli {

namespace {

constexpr std::string_view kTraceUsage =
    "Usage:\n"
    "  lt-des trace gen --model NAME | --hf-config PATH [--tokens N | --prompt N --decode N]\n"
    "                   [--batch B] [--bits B] [--flat] -o FILE\n"
    "  lt-des trace gen --model NAME | --hf-config PATH --requests N --arrivals SPEC\n"
    "                   --prompt SPEC --decode SPEC [--seed S] [--bits B] -o FILE\n"
    "  lt-des trace import --requests FILE.csv --model NAME | --hf-config PATH [--limit N]\n"
    "                   [--time-scale F] [--over-context error|drop|clip] [--bits B] -o FILE\n"
    "  lt-des trace validate FILE\n";

std::string preset_list() {
    std::string s;
    for (const std::string_view name : workload::preset_names()) {
        s += s.empty() ? "" : ", ";
        s += name;
    }
    return s;
}

std::uint32_t positive(const cxxopts::ParseResult& r, const char* key) {
    const int v = r[key].as<int>();
    if (v <= 0) {
        throw UsageError(fmt::format("--{}: expected a positive integer, got {}", key, v));
    }
    return static_cast<std::uint32_t>(v);
}

int trace_gen(int argc, char** argv) {
    cxxopts::Options options("lt-des trace gen", "Write an lt-trace 1 file for a model");
    options.add_options()("model", "preset name (" + preset_list() + ")",
                          cxxopts::value<std::string>())(
        "hf-config", "local Hugging Face config.json instead of a preset",
        cxxopts::value<std::string>())(
        "tokens", "encoder sequence length (DeiT: patches + 1 when omitted; BERT: required)",
        cxxopts::value<int>())("prompt", "decoder prompt length", cxxopts::value<int>())(
        "decode", "decoder: generated tokens (decode steps)", cxxopts::value<int>())(
        "batch", "requests in the batch", cxxopts::value<int>()->default_value("1"))(
        "bits", "precision recorded in the trace (informational)",
        cxxopts::value<int>()->default_value("4"))(
        "flat", "write every op on its own line (no repeat blocks)")(
        "o,output", "trace file to write ('-' for stdout)", cxxopts::value<std::string>())(
        "h,help", "this help");
    const auto r = parse_or_throw(options, argc, argv);
    if (r.count("help") > 0) {
        fmt::print("{}\n{}", kTraceUsage, options.help());
        return 0;
    }
    if ((r.count("model") > 0) == (r.count("hf-config") > 0)) {
        throw UsageError("trace gen: give exactly one of --model NAME or --hf-config PATH");
    }
    if (r.count("output") == 0) {
        throw UsageError("trace gen: missing -o FILE");
    }
    workload::ModelShape model;
    if (r.count("model") > 0) {
        const auto name = r["model"].as<std::string>();
        const auto preset = workload::find_preset(name);
        if (!preset) {
            throw UsageError(
                fmt::format("--model: unknown model '{}' (known: {})", name, preset_list()));
        }
        model = *preset;
    } else {
        model = config::load_hf_config(r["hf-config"].as<std::string>());
    }
    workload::WorkloadSpec spec;
    spec.batch = positive(r, "batch");
    spec.bits = positive(r, "bits");
    if (model.is_encoder()) {
        if (r.count("prompt") > 0 || r.count("decode") > 0) {
            throw UsageError(fmt::format(
                "--prompt/--decode are for decoder models; '{}' is an encoder: use --tokens",
                model.name));
        }
        if (r.count("tokens") > 0) {
            spec.prompt = positive(r, "tokens");
        } else if (model.family == workload::Family::deit) {
            spec.prompt = model.patches + 1;  // patches plus the CLS token: 197 for 224/16
        } else {
            throw UsageError(
                fmt::format("--tokens: required for '{}' (sequence length, e.g. 384)", model.name));
        }
    } else {
        if (r.count("tokens") > 0) {
            throw UsageError(fmt::format(
                "--tokens is for encoder models; '{}' is a decoder: use --prompt and --decode",
                model.name));
        }
        if (r.count("prompt") == 0) {
            throw UsageError(fmt::format("--prompt: required for decoder '{}'", model.name));
        }
        spec.prompt = positive(r, "prompt");
        if (r.count("decode") > 0) {
            const int decode = r["decode"].as<int>();
            if (decode < 0) {
                throw UsageError(fmt::format("--decode: expected an integer >= 0, got {}", decode));
            }
            spec.decode = static_cast<std::uint32_t>(decode);
        }
    }
    workload::OpGraph graph = [&] {
        try {
            return workload::build_workload(model, spec);
        } catch (const ConfigError& e) {
            throw UsageError(fmt::format("{}: {}", model.name, e.what()));
        }
    }();
    if (workload::exceeds_context(model, spec)) {
        log::warn("{} tokens per sequence exceed {}'s trained context of {} (generated anyway)",
                  std::uint64_t{spec.prompt} + spec.decode, model.name, model.max_context);
    }
    const auto out_path = r["output"].as<std::string>();
    std::ofstream file;
    std::ostream* out = &std::cout;
    if (out_path != "-") {
        file.open(out_path, std::ios::binary | std::ios::trunc);
        if (!file) {
            throw OutputError(
                fmt::format("{}: cannot write the trace file (does its folder exist?)", out_path));
        }
        out = &file;
    }
    trace::TraceWriter writer(*out, trace::TraceHeader{trace::kTraceFormatVersion, model, spec},
                              r.count("flat") == 0);
    workload::Op op;
    while (graph.next(op)) {
        writer.write(op);
    }
    writer.finish();
    out->flush();
    if (!*out) {
        throw OutputError(fmt::format("{}: write failed", out_path));
    }
    return 0;
}

int trace_validate(int argc, char** argv) {
    cxxopts::Options options("lt-des trace validate", "Check an lt-trace file and summarize it");
    options.add_options()("file", "trace file", cxxopts::value<std::string>())("h,help",
                                                                               "this help");
    options.parse_positional({"file"});
    options.positional_help("FILE");
    const auto r = parse_or_throw(options, argc, argv);
    if (r.count("help") > 0) {
        fmt::print("{}\n{}", kTraceUsage, options.help());
        return 0;
    }
    if (r.count("file") == 0) {
        throw UsageError("trace validate: missing FILE");
    }
    const auto path = r["file"].as<std::string>();
    if (trace::TraceReader(path).header().version == trace::kRequestTraceFormatVersion) {
        fmt::print("{}", trace::format_request_summary(trace::summarize_request_trace(path), path));
        return 0;
    }
    const trace::TraceSummary s = trace::summarize_trace(path);
    fmt::print("{}", trace::format_summary(s, path));
    return 0;
}

}  // namespace

int cmd_trace(int argc, char** argv) {
    return run_guarded([&]() -> int {
        const std::string_view sub = argc >= 2 ? std::string_view(argv[1]) : std::string_view();
        if (sub == "--help" || sub == "-h") {
            fmt::print("{}", kTraceUsage);
            return 0;
        }
        if (sub != "gen" && sub != "validate" && sub != "import") {
            throw UsageError(sub.empty()
                                 ? std::string("trace: expected 'gen', 'import' or 'validate'")
                                 : fmt::format("trace: unknown action '{}' (expected 'gen', "
                                               "'import' or 'validate')",
                                               sub));
        }
        // The action sees argv without its own word, like the subcommands do.
        argv[1] = argv[0];
        if (sub == "import") {
            return trace_import(argc - 1, argv + 1);
        }
        if (sub == "gen") {
            return wants_request_trace(argc - 1, argv + 1) ? trace_gen_requests(argc - 1, argv + 1)
                                                           : trace_gen(argc - 1, argv + 1);
        }
        return trace_validate(argc - 1, argv + 1);
    });
}

}  // namespace ltdes::cli
