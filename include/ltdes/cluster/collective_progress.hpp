// SPDX-License-Identifier: MIT
// Where one member of a collective stands: which of its messages may go now. The dependency
// rule of CollectiveMessage, shared by the chip LPs and the idle-network replay.
#pragma once

#include "ltdes/cluster/collective.hpp"

#include <cstdint>
#include <span>
#include <vector>

namespace ltdes::cluster {

/// Member `member`'s view of a schedule: its messages and how many it receives, per (lane,
/// step).
class MemberSchedule {
public:
    MemberSchedule(std::span<const CollectiveMessage> schedule, std::uint32_t member);

    std::uint32_t lanes() const { return static_cast<std::uint32_t>(sends_.size()); }

    std::uint32_t steps(std::uint32_t lane) const {
        return static_cast<std::uint32_t>(sends_[lane].size());
    }

    /// This member's messages of (lane, step), in schedule order.
    const std::vector<CollectiveMessage>& sends(std::uint32_t lane, std::uint32_t step) const {
        return sends_[lane][step];
    }

    /// Messages this member receives in (lane, step) (a broadcast counts once).
    std::uint32_t expected(std::uint32_t lane, std::uint32_t step) const {
        return expected_[lane][step];
    }

private:
    std::vector<std::vector<std::vector<CollectiveMessage>>> sends_;  ///< [lane][step]
    std::vector<std::vector<std::uint32_t>> expected_;                ///< [lane][step]
};

/// One member's progress through one collective instance.
class CollectiveProgress {
public:
    explicit CollectiveProgress(const MemberSchedule& schedule);

    /// The member's own data is ready (its partial sums exist).
    void set_ready() { ready_ = true; }

    /// A message of (lane, step) arrived.
    void on_receive(std::uint32_t lane, std::uint32_t step);

    /// Appends the messages that may go now (lane by lane, step order) and marks them sent.
    void take_sendable(std::vector<CollectiveMessage>& out);

    /// Everything sent and received.
    bool done() const;

private:
    void advance(std::uint32_t lane);

    const MemberSchedule* schedule_;
    bool ready_ = false;
    std::vector<std::vector<std::uint32_t>> received_;  ///< [lane][step]
    std::vector<std::uint32_t> complete_through_;       ///< per lane: steps < this fully received
    std::vector<std::uint32_t> next_send_;              ///< per lane: next step to send
};

}  // namespace ltdes::cluster
