// SPDX-License-Identifier: MIT
// SIGTERM, SIGINT, SIGUSR1 and SIGUSR2 during a run: the first asks the kernel to stop at the next
// window boundary (des::request_stop; the ranks agree and the run ends with status=interrupted and
// exit 128 + signal), a second ends the process at once.
#pragma once

namespace ltdes::cli {

/// Installs the SIGTERM/SIGINT/SIGUSR1/SIGUSR2 handlers (once per process; MPI must not be needed
/// by them).
void install_stop_handlers();

/// Test hook: LTDES_FAULT_SELF_SIGNAL=after_run sends SIGTERM to this process after the
/// subcommand finished (its result file complete), to show that a late signal changes nothing.
void fault_signal_after_run();

}  // namespace ltdes::cli
