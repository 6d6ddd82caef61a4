// SPDX-License-Identifier: MIT
#include "cli/options.hpp"

#include "ltdes/core/error.hpp"
#include "ltdes/core/error_text.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <exception>

namespace ltdes::cli {

cxxopts::ParseResult parse_or_throw(cxxopts::Options& options, int argc, char** argv) {
    try {
        auto result = options.parse(argc, argv);
        if (!result.unmatched().empty()) {
            throw UsageError(fmt::format("unexpected argument '{}' (see '{} --help')",
                                         result.unmatched().front(), options.program()));
        }
        return result;
    } catch (const cxxopts::exceptions::exception& e) {
        throw UsageError(fmt::format("{} (see '{} --help')", e.what(), options.program()));
    }
}

void print_error(const char* message) {
    fmt::print(stderr, "lt-des: error: {}\n", one_line(message));
}

int run_guarded(const std::function<int()>& body) {
    try {
        return body();
    } catch (const Error& e) {
        print_error(e.what());
        return 2;
    } catch (const std::exception& e) {
        print_error(fmt::format("internal error: {}", e.what()).c_str());
        return 1;
    }
}

}  // namespace ltdes::cli
