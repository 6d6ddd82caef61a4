// SPDX-License-Identifier: MIT
// `lt-des [run]`: simulate a trace on a cluster. The cluster model is not built yet (issue 7):
// for now the command checks its inputs and prints what it would run.
#include "cli/commands.hpp"
#include "cli/options.hpp"
#include "cli/parallel.hpp"

#include "ltdes/core/error.hpp"
#include "ltdes/core/version.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace ltdes::cli {

namespace {

cxxopts::Options run_options() {
    cxxopts::Options o("lt-des run", "Simulate a trace on a cluster of photonic chips");
    o.add_options()("trace", "trace file (lt-trace 1)", cxxopts::value<std::string>())(
        "arch", "arch YAML for every chip", cxxopts::value<std::string>())(
        "cluster", "cluster YAML", cxxopts::value<std::string>())("tp", "tensor-parallel degree",
                                                                  cxxopts::value<unsigned>())(
        "pp", "pipeline-parallel degree", cxxopts::value<unsigned>())("dp", "data-parallel degree",
                                                                      cxxopts::value<unsigned>())(
        "microbatches", "pipeline micro-batches", cxxopts::value<unsigned>())(
        "opt", "DOTA optimisation: arch_opt|crossbar|broadcast", cxxopts::value<std::string>())(
        "threads", "TBB threads per rank", cxxopts::value<unsigned>()->default_value("1"))(
        "out", "result file (default <trace stem>.h5)", cxxopts::value<std::string>())(
        "force", "replace an existing result file")(
        "timeline", "full|layers|none", cxxopts::value<std::string>()->default_value("full"))(
        "seed", "random seed", cxxopts::value<unsigned long>())(
        "set", "override a cluster key: KEY=VALUE (repeatable)",
        cxxopts::value<std::vector<std::string>>())("dry-run", "print the resolved plan and exit")(
        "h,help", "print this help");
    return o;
}

}  // namespace

int cmd_run(int argc, char** argv) {
    auto options = run_options();
    // Help is answered before MPI starts.
    for (int i = 1; i < argc; ++i) {
        if (std::string(argv[i]) == "--help" || std::string(argv[i]) == "-h") {
            fmt::print("{}", options.help());
            return 0;
        }
    }
    return run_parallel(argc, argv, [&](dist::MpiSession& mpi) {
        const auto args = parse_or_throw(options, argc, argv);
        if (args.count("trace") == 0) {
            throw UsageError("run needs --trace FILE (e.g. --trace traces/gpt2.trace)");
        }
        const auto trace = args["trace"].as<std::string>();
        if (!std::ifstream(trace)) {
            throw TraceError(fmt::format("{}: cannot open the trace file", trace));
        }
        if (to_underlying(mpi.rank()) == 0) {
            fmt::print("lt-des {} ({}) on {} rank(s)\n", version(), git_commit(), mpi.size());
            fmt::print("plan: simulate {} (the cluster model is not built yet)\n", trace);
        }
        return 0;
    });
}

}  // namespace ltdes::cli
