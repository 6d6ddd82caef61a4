// SPDX-License-Identifier: MIT
#include "cli/parallel.hpp"

#include "cli/options.hpp"
#include "cli/stop_signals.hpp"

#include "ltdes/core/error.hpp"
#include "ltdes/core/interrupted.hpp"

#include <fmt/format.h>

#include <exception>
#include <string>

namespace ltdes::cli {

int run_parallel(int& argc, char**& argv, const std::function<int(dist::MpiSession&)>& body) {
    dist::MpiSession mpi(argc, argv);
    install_stop_handlers();  // after MPI_Init, so they are ours whatever MPI installs
    int code = 0;
    std::string message;
    try {
        code = body(mpi);
        fault_signal_after_run();
    } catch (const Interrupted& e) {
        code = 128 + e.signal();
        message = e.what();
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
