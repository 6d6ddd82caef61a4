// SPDX-License-Identifier: MIT
#pragma once

#include <stdexcept>
#include <string>

namespace ltdes {

/// The run was stopped by a signal (SIGTERM, SIGINT) at a window boundary: not bad input and not
/// a bug; `main` exits with 128 + signal().
class Interrupted : public std::runtime_error {
public:
    Interrupted(int signal, const std::string& what) : std::runtime_error(what), signal_(signal) {}

    /// The signal number that stopped the run.
    int signal() const { return signal_; }

private:
    int signal_;
};

}  // namespace ltdes
