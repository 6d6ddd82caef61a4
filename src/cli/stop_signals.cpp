// SPDX-License-Identifier: MIT
#include "cli/stop_signals.hpp"

#include "ltdes/des/stop_request.hpp"

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <unistd.h>

namespace ltdes::cli {

namespace {

extern "C" void on_stop_signal(int signal) {
    if (des::stop_signal() != 0) {
        _exit(128 + signal);  // the second signal: the user (or the batch system) insists
    }
    des::request_stop(signal);
}

}  // namespace

void install_stop_handlers() {
    struct sigaction action {};

    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;  // a slow write or MPI wait goes on; the kernel polls the flag
    sigaction(SIGTERM, &action, nullptr);
    sigaction(SIGINT, &action, nullptr);
    // mpirun forwards SIGUSR1/2 to every rank and keeps running, where a SIGTERM to mpirun
    // makes it kill the ranks one second later: batch jobs send SIGUSR1 to mpirun.
    sigaction(SIGUSR1, &action, nullptr);
    sigaction(SIGUSR2, &action, nullptr);
}

void fault_signal_after_run() {
    const char* when = std::getenv("LTDES_FAULT_SELF_SIGNAL");
    if (when != nullptr && std::string_view(when) == "after_run") {
        std::raise(SIGTERM);
    }
}

}  // namespace ltdes::cli
