// SPDX-License-Identifier: MIT
#include "cli/parallel.hpp"

#include "cli/options.hpp"

#include "ltdes/core/error.hpp"

#include <fmt/format.h>

#include <exception>
#include <string>

namespace ltdes::cli {

int run_parallel(int& argc, char**& argv, const std::function<int(dist::MpiSession&)>& body) {
    dist::MpiSession mpi(argc, argv);
    int code = 0;
    std::string message;
    try {
        code = body(mpi);
    } catch (const Error& e) {
        code = 2;
        message = e.what();
    } catch (const std::exception& e) {
        code = 1;
        message = fmt::format("internal error: {}", e.what());
    }
    const dist::Outcome outcome = mpi.agree(code, message);
    if (outcome.code != 0 && to_underlying(mpi.rank()) == 0 && !outcome.message.empty()) {
        print_error(outcome.message.c_str());
    }
    return outcome.code;
}

}  // namespace ltdes::cli
