// SPDX-License-Identifier: MIT
// `lt-des trace import`: a request trace (lt-trace 2) from the public CSV form of serving traces,
// written through a temporary file that is renamed only once complete.
#include "cli/options.hpp"
#include "cli/trace_request_options.hpp"
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

constexpr std::string_view kImportUsage =
    "Usage: lt-des trace import --requests FILE.csv --model NAME | --hf-config PATH\n"
    "                           [--limit N] [--time-scale F (1)]\n"
    "                           [--over-context error|drop|clip] [--bits B (4)] -o FILE|-\n";

}  // namespace

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
