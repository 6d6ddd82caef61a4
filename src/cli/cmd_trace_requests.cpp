// SPDX-License-Identifier: MIT
// Synthetic request traces from the command line (`trace gen --requests`), written as lt-trace 2
// through a temporary file that is renamed only once complete, so a failure never leaves a
// trace that looks whole.
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

constexpr std::string_view kGenUsage =
    "Usage: lt-des trace gen --model NAME | --hf-config PATH --requests N\n"
    "                        --arrivals poisson:RATE|gamma:RATE:CV|interval:SECONDS\n"
    "                        --prompt N|uniform:A:B|lognormal:MEDIAN:SIGMA[:MAX]\n"
    "                        --decode N|uniform:A:B|lognormal:MEDIAN:SIGMA[:MAX]\n"
    "                        [--seed S (1)] [--bits B (4)] -o FILE|-\n";

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

}  // namespace ltdes::cli
