// SPDX-License-Identifier: MIT
// A process-wide request to stop every running Simulation at its next window boundary, set from
// a signal handler (SIGTERM before a batch system's time limit, SIGINT from a terminal). The
// ranks agree on it in the kernel's failure agreement, so a signal that reached one rank stops
// them all together.
#pragma once

#include <string>

namespace ltdes::des {

/// Asks for a stop because of `signal` (> 0). Async-signal-safe; the first request wins.
void request_stop(int signal) noexcept;

/// The signal of the pending stop request, 0 when none.
int stop_signal() noexcept;

/// Forgets a stop request (tests; a new run in the same process).
void clear_stop_request() noexcept;

/// "SIGTERM", "SIGINT", or "signal N".
std::string signal_name(int signal);

}  // namespace ltdes::des
