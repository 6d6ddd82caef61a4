// SPDX-License-Identifier: MIT
// Rank 0's progress line during `lt-des run`.
#pragma once

#include "ltdes/des/simulation.hpp"

#include <cstdint>

namespace ltdes::cli {

/// On a terminal rewritten in place about twice a second, otherwise a plain line every ~10 s
/// (batch logs): simulated time, events (with the share of `expected_events` when known),
/// events/s and an ETA extrapolated from the rate so far.
class ProgressLine {
public:
    ProgressLine(bool enabled, std::uint64_t expected_events);

    void operator()(const des::WindowProgress& p);

    /// Ends a rewritten line with a newline.
    void done() const;

private:
    bool enabled_;
    bool tty_;
    std::uint64_t expected_;
    double last_ = 0.0;
    bool printed_ = false;
};

}  // namespace ltdes::cli
