// SPDX-License-Identifier: MIT
#include "ltdes/des/stop_request.hpp"

#include <fmt/format.h>

#include <atomic>
#include <csignal>

namespace ltdes::des {

namespace {

// Lock-free, so it may be written from a signal handler.
std::atomic<int> g_stop_signal{0};
static_assert(std::atomic<int>::is_always_lock_free);

}  // namespace

void request_stop(int signal) noexcept {
    int none = 0;
    g_stop_signal.compare_exchange_strong(none, signal);
}

int stop_signal() noexcept {
    return g_stop_signal.load();
}

void clear_stop_request() noexcept {
    g_stop_signal.store(0);
}

std::string signal_name(int signal) {
    switch (signal) {
        case SIGTERM:
            return "SIGTERM";
        case SIGINT:
            return "SIGINT";
        case SIGHUP:
            return "SIGHUP";
        case SIGUSR1:
            return "SIGUSR1";
        case SIGUSR2:
            return "SIGUSR2";
        default:
            return fmt::format("signal {}", signal);
    }
}

}  // namespace ltdes::des
