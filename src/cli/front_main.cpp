// SPDX-License-Identifier: MIT
// lt-des, the front end: runs the commands that need neither MPI nor HDF5 (`estimate` without
// --out, `profile`, `trace`) in a process that never loads those libraries — loading them is
// most of a plain estimate's start-up — and hands every other command line, unchanged, to
// lt-des-mpi beside it (exec: same process, environment and signals, so mpirun, Slurm and exit
// codes see no difference). docs/commands.md, "Two executables".
#include "cli/commands.hpp"
#include "cli/options.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string_view>
#include <system_error>
#include <unistd.h>

namespace {

constexpr const char* kMpiBuild = "lt-des-mpi";

/// `estimate --out FILE` writes HDF5 and starts MPI: that is lt-des-mpi's work.
bool asks_for_output(int argc, char** argv) {
    for (int i = 2; i < argc; ++i) {
        const std::string_view a = argv[i];
        if (a == "--out" || a.starts_with("--out=")) {
            return true;
        }
    }
    return false;
}

/// Replaces this process by lt-des-mpi from the same directory (PATH when /proc is missing).
[[noreturn]] void exec_mpi_build(char** argv) {
    std::error_code ec;
    const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (!ec) {
        const std::filesystem::path sibling = self.parent_path() / kMpiBuild;
        ::execv(sibling.c_str(), argv);
        ltdes::cli::print_error(
            fmt::format("cannot start {}: {}", sibling.string(), std::strerror(errno)).c_str());
    } else {
        ::execvp(kMpiBuild, argv);
        ltdes::cli::print_error(
            fmt::format("cannot start {}: {}", kMpiBuild, std::strerror(errno)).c_str());
    }
    std::_Exit(1);  // an installation fault, not the user's input
}

}  // namespace

int main(int argc, char** argv) {
    using namespace ltdes::cli;
    if (argc >= 2) {
        const std::string_view first = argv[1];
        const bool local = first == "profile" || first == "trace" ||
                           (first == "estimate" && !asks_for_output(argc, argv));
        if (local) {
            argv[1] = argv[0];  // subcommands see argv without their own word
            if (first == "profile") {
                return cmd_profile(argc - 1, argv + 1);
            }
            if (first == "trace") {
                return cmd_trace(argc - 1, argv + 1);
            }
            return cmd_estimate(argc - 1, argv + 1, nullptr);
        }
    }
    exec_mpi_build(argv);
}
