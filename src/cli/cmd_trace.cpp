// SPDX-License-Identifier: MIT
// `lt-des trace gen|import|validate`: write a trace from a preset or a Hugging Face config, or
// check one. Request traces (gen --requests, import) are in cmd_trace_requests.cpp.
#include "cli/commands.hpp"
#include "cli/options.hpp"
#include "cli/trace_requests.hpp"

#include "ltdes/core/error.hpp"
#include "ltdes/sim/workload_source.hpp"
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

int trace_gen(int argc, char** argv) {
    cxxopts::Options options("lt-des trace gen", "Write an lt-trace 1 file for a model");
    options.add_options()("model", "preset name (" + sim::preset_list() + ")",
                          cxxopts::value<std::string>())(
        "hf-config", "local Hugging Face config.json instead of a preset",
        cxxopts::value<std::string>())(
        "tokens", "encoder sequence length (DeiT: patches + 1 when omitted; BERT: required)",
        cxxopts::value<std::int64_t>())("prompt", "decoder prompt length",
                                        cxxopts::value<std::int64_t>())(
        "decode", "decoder: generated tokens (decode steps)", cxxopts::value<std::int64_t>())(
        "batch", "requests in the batch (default 1)", cxxopts::value<std::int64_t>())(
        "bits", "precision recorded in the trace (informational; default 4)",
        cxxopts::value<std::int64_t>())("flat",
                                        "write every op on its own line (no repeat blocks)")(
        "o,output", "trace file to write ('-' for stdout)", cxxopts::value<std::string>())(
        "h,help", "this help");
    const auto r = parse_or_throw(options, argc, argv);
    if (r.count("help") > 0) {
        fmt::print("{}\n{}", kTraceUsage, options.help());
        return 0;
    }
    if (r.count("output") == 0) {
        throw UsageError("trace gen: missing -o FILE");
    }
    sim::WorkloadRequest request;
    request.trace_allowed = false;
    for (const auto& [key, field] :
         {std::pair{"model", &request.model}, std::pair{"hf-config", &request.hf_config}}) {
        if (r.count(key) > 0) {
            *field = r[key].as<std::string>();
        }
    }
    for (const auto& [key, field] :
         {std::pair{"tokens", &request.tokens}, std::pair{"prompt", &request.prompt},
          std::pair{"decode", &request.decode}, std::pair{"batch", &request.batch},
          std::pair{"bits", &request.bits}}) {
        if (r.count(key) > 0) {
            *field = r[key].as<std::int64_t>();
        }
    }
    const sim::ResolvedWorkload input = sim::resolve_workload(request);
    const workload::ModelShape& model = input.model;
    const workload::WorkloadSpec& spec = input.spec;
    workload::OpGraph graph = [&] {
        try {
            return workload::build_workload(model, spec);
        } catch (const ConfigError& e) {
            throw UsageError(fmt::format("{}: {}", model.name, e.what()));
        }
    }();
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
