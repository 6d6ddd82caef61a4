// SPDX-License-Identifier: MIT
// cxxopts helpers shared by the subcommands.
#pragma once

#include <cxxopts.hpp>

#include <functional>
#include <optional>

namespace ltdes::cli {

/// Parses argv; turns every cxxopts complaint and every stray positional word into a
/// ltdes::UsageError (exit code 2).
cxxopts::ParseResult parse_or_throw(cxxopts::Options& options, int argc, char** argv);

/// The value of option `name` when it was given, else nullopt.
template <class T>
std::optional<T> optional_arg(const cxxopts::ParseResult& args, const char* name) {
    return args.count(name) != 0 ? std::optional<T>(args[name].as<T>()) : std::nullopt;
}

/// Runs `body` and maps exceptions to exit codes, printing one line `lt-des: error: …` on
/// stderr: ltdes::Error → 2, anything else → 1. For commands that run without MPI.
int run_guarded(const std::function<int()>& body);

/// Prints `lt-des: error: <message>` on stderr.
void print_error(const char* message);

}  // namespace ltdes::cli
