// SPDX-License-Identifier: MIT
// Request traces from the command line: synthetic (`trace gen --requests`) and imported from
// the public CSV form (`trace import`). Both write lt-trace 2 through a temporary file that is
// renamed only once complete, so a failure never leaves a trace that looks whole.
#include "cli/options.hpp"
#include "cli/trace_requests.hpp"

#include "ltdes/core/error.hpp"
#include "ltdes/core/log.hpp"
#include "ltdes/sim/workload_source.hpp"
#include "ltdes/trace/request_csv.hpp"
#include "ltdes/trace/request_generator.hpp"
#include "ltdes/trace/request_trace_writer.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <cstring>
#include <fstream>
#include <functional>
#include <iostream>
#include <string>
#include <string_view>
#include <system_error>

namespace ltdes::cli {

namespace {

constexpr std::string_view kGenUsage =
    "Usage: lt-des trace gen --model NAME | --hf-config PATH --requests N\n"
    "                        --arrivals poisson:RATE|gamma:RATE:CV|interval:SECONDS\n"
    "                        --prompt N|uniform:A:B|lognormal:MEDIAN:SIGMA[:MAX]\n"
    "                        --decode N|uniform:A:B|lognormal:MEDIAN:SIGMA[:MAX]\n"
    "                        [--seed S (1)] [--bits B (4)] -o FILE|-\n";

constexpr std::string_view kImportUsage =
    "Usage: lt-des trace import --requests FILE.csv --model NAME | --hf-config PATH\n"
    "                           [--limit N] [--time-scale F (1)]\n"
    "                           [--over-context error|drop|clip] [--bits B (4)] -o FILE|-\n";

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

}  // namespace

bool wants_request_trace(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
        const std::string_view a(argv[i]);
        if (a == "--requests" || a.starts_with("--requests=") || a == "--arrivals" ||
            a.starts_with("--arrivals=")) {
            return true;
        }
    }
    return false;
}

int trace_gen_requests(int argc, char** argv) {
    cxxopts::Options options("lt-des trace gen", "Write a synthetic lt-trace 2 request trace");
    add_model_options(options);
    options.add_options()("requests", "number of requests", cxxopts::value<std::string>())(
        "arrivals", "poisson:RATE | gamma:RATE:CV | interval:SECONDS",
        cxxopts::value<std::string>())("prompt", "N | uniform:A:B | lognormal:MEDIAN:SIGMA[:MAX]",
                                       cxxopts::value<std::string>())(
        "decode", "N | uniform:A:B | lognormal:MEDIAN:SIGMA[:MAX]", cxxopts::value<std::string>())(
        "seed", "random seed (default 1)", cxxopts::value<std::string>());
    const auto r = parse_or_throw(options, argc, argv);
    if (r.count("help") > 0) {
        fmt::print("{}\n{}", kGenUsage, options.help());
        return 0;
    }
    const workload::ModelShape model = model_from(r);
    trace::RequestGenSpec spec;
    (void)required(r, "requests", "gen");
    spec.requests = unsigned_option(r, "requests", 0, 1);
    spec.arrivals = spec_option(r, "arrivals", &trace::parse_arrival_spec, "gen");
    spec.prompt = spec_option(r, "prompt", &trace::parse_length_spec, "gen");
    spec.decode = spec_option(r, "decode", &trace::parse_length_spec, "gen");
    spec.seed = unsigned_option(r, "seed", 1, 0);
    const std::uint32_t bits = bits_option(r);
    const std::string out_path = required(r, "output", "gen");
    trace::RequestGenerator gen = [&] {
        try {
            return trace::RequestGenerator(spec, model);
        } catch (const ConfigError& e) {
            throw UsageError(e.what());
        }
    }();
    write_output(out_path, [&](std::ostream& out) {
        trace::RequestTraceWriter writer(out, model, bits);
        trace::RequestRecord req;
        while (gen.next(req)) {
            writer.write(req);
        }
        writer.finish();
    });
    if (gen.prompts_clipped() + gen.decodes_clipped() > 0) {
        log::warn(
            "{} prompt and {} decode lengths clipped so that every request fits {}'s "
            "context of {} tokens",
            gen.prompts_clipped(), gen.decodes_clipped(), model.name, model.max_context);
    }
    return 0;
}

int trace_import(int argc, char** argv) {
    cxxopts::Options options("lt-des trace import",
                             "Convert a CSV serving trace into an lt-trace 2 request trace");
    add_model_options(options);
    options.add_options()("requests", "CSV file: arrived_at,num_prefill_tokens,num_decode_tokens",
                          cxxopts::value<std::string>())(
        "limit", "keep at most N rows (the first N of the file that are kept)",
        cxxopts::value<std::string>())("time-scale",
                                       "multiply every arrival time by F (0.1: ten times the load)",
                                       cxxopts::value<std::string>())(
        "over-context", "rows beyond the model's context: error (default), drop or clip",
        cxxopts::value<std::string>());
    const auto r = parse_or_throw(options, argc, argv);
    if (r.count("help") > 0) {
        fmt::print("{}\n{}", kImportUsage, options.help());
        return 0;
    }
    const std::string csv = required(r, "requests", "import");
    const workload::ModelShape model = model_from(r);
    if (model.is_encoder()) {
        throw UsageError(fmt::format(
            "trace import: request traces are for decoder models; '{}' is an encoder", model.name));
    }
    trace::CsvImportOptions opts;
    opts.limit = unsigned_option(r, "limit", opts.limit, 1);
    if (r.count("time-scale") > 0) {
        const auto s = r["time-scale"].as<std::string>();
        const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), opts.time_scale);
        if (s.empty() || ec != std::errc() || end != s.data() + s.size() ||
            !std::isfinite(opts.time_scale) || !(opts.time_scale > 0.0)) {
            throw UsageError(fmt::format("--time-scale: expected a number > 0, got '{}'", s));
        }
    }
    if (r.count("over-context") > 0) {
        const auto s = r["over-context"].as<std::string>();
        if (s == "error") {
            opts.over_context = trace::OverContext::error;
        } else if (s == "drop") {
            opts.over_context = trace::OverContext::drop;
        } else if (s == "clip") {
            opts.over_context = trace::OverContext::clip;
        } else {
            throw UsageError(
                fmt::format("--over-context: expected error, drop or clip, got '{}'", s));
        }
    }
    const std::uint32_t bits = bits_option(r);
    const std::string out_path = required(r, "output", "import");
    const trace::CsvImport imported = trace::import_request_csv(csv, model, opts);
    if (imported.requests.empty()) {
        throw TraceError(fmt::format("{}: no requests to write ({} rows read, {} dropped)", csv,
                                     imported.rows, imported.dropped));
    }
    write_output(out_path, [&](std::ostream& out) {
        trace::write_request_trace(out, model, bits, imported.requests);
    });
    if (imported.reordered > 0) {
        log::warn("{}: {} rows arrived before an earlier row; requests sorted by arrival (stable)",
                  csv, imported.reordered);
    }
    if (imported.dropped > 0) {
        log::warn("{}: {} rows beyond {}'s context of {} tokens dropped", csv, imported.dropped,
                  model.name, model.max_context);
    }
    if (imported.clipped > 0) {
        log::warn("{}: {} rows beyond {}'s context of {} tokens clipped (prompt shortened)", csv,
                  imported.clipped, model.name, model.max_context);
    }
    log::info("{}: {} requests written to {}", csv, imported.requests.size(), out_path);
    return 0;
}

}  // namespace ltdes::cli
