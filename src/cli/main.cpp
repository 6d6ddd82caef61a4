// SPDX-License-Identifier: MIT
// lt-des-mpi, the executable with every command: dispatches the subcommand before anything else,
// so that only `run`, `bench` and `estimate --out` pay for MPI_Init. Users call it through the
// front end lt-des (front_main.cpp), which runs the MPI-free commands itself.
#include "cli/commands.hpp"
#include "cli/options.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <string_view>

namespace {

constexpr std::string_view kUsage =
    R"(lt-des — parallel discrete-event simulator of Lightening-Transformer photonic chip clusters

Usage:
  lt-des [run] --trace FILE [options]     simulate a trace on a cluster (default subcommand)
  lt-des estimate [options]               analytical cost of a workload on one chip (no DES)
  lt-des profile --arch FILE              chip area and power
  lt-des trace gen|validate [options]     write or check an lt-trace file
  lt-des bench phold [options]            PHOLD benchmark of the DES kernel
  lt-des --version                        version, commit and library versions
  lt-des <subcommand> --help              options of one subcommand

Under MPI: mpirun -n <ranks> lt-des --trace FILE [options]
)";

}  // namespace

int main(int argc, char** argv) {
    using namespace ltdes::cli;
    if (argc < 2) {
        fmt::print(stderr, "{}", kUsage);
        print_error("no trace given: try 'lt-des --trace traces/gpt2.trace' or 'lt-des --help'");
        return 2;
    }
    const std::string_view first = argv[1];
    if (first == "--version" || first == "-V") {
        print_version();
        return 0;
    }
    if (first == "--help" || first == "-h" || first == "help") {
        fmt::print("{}", kUsage);
        fmt::print("\nOptions of 'run':\n");
        char* run_help[] = {argv[0], const_cast<char*>("--help")};
        return cmd_run(2, run_help);
    }
    // Subcommands see argv without their own word; argv[0] keeps the program name.
    auto shifted = [&](auto cmd) {
        argv[1] = argv[0];
        return cmd(argc - 1, argv + 1);
    };
    if (first == "run")
        return shifted(cmd_run);
    if (first == "estimate")
        return shifted(
            [](int c, char** v) { return cmd_estimate(c, v, open_hdf5_estimate_output); });
    if (first == "profile")
        return shifted(cmd_profile);
    if (first == "trace")
        return shifted(cmd_trace);
    if (first == "bench")
        return shifted(cmd_bench);
    if (!first.starts_with("-")) {
        print_error(fmt::format("unknown subcommand '{}' (see 'lt-des --help')", first).c_str());
        return 2;
    }
    return cmd_run(argc, argv);
}
