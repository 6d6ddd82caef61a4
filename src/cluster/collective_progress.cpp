// SPDX-License-Identifier: MIT
#include "ltdes/cluster/collective_progress.hpp"

#include "ltdes/core/assert.hpp"

#include <algorithm>

namespace ltdes::cluster {

MemberSchedule::MemberSchedule(std::span<const CollectiveMessage> schedule, std::uint32_t member) {
    std::uint32_t lanes = 0;
    for (const auto& m : schedule) {
        lanes = std::max(lanes, m.lane + 1);
    }
    sends_.resize(lanes);
    expected_.resize(lanes);
    for (const auto& m : schedule) {
        auto& s = sends_[m.lane];
        auto& e = expected_[m.lane];
        if (s.size() <= m.step) {
            s.resize(m.step + 1);
            e.resize(m.step + 1, 0);
        }
        if (m.src == member) {
            s[m.step].push_back(m);
        } else if (m.all_readers || m.dst == member) {
            ++e[m.step];
        }
    }
}

CollectiveProgress::CollectiveProgress(const MemberSchedule& schedule)
    : schedule_(&schedule),
      received_(schedule.lanes()),
      complete_through_(schedule.lanes(), 0),
      next_send_(schedule.lanes(), 0) {
    for (std::uint32_t l = 0; l < schedule.lanes(); ++l) {
        received_[l].assign(schedule.steps(l), 0);
        advance(l);
    }
}

void CollectiveProgress::advance(std::uint32_t lane) {
    std::uint32_t& c = complete_through_[lane];
    while (c < schedule_->steps(lane) && received_[lane][c] == schedule_->expected(lane, c)) {
        ++c;
    }
}

void CollectiveProgress::on_receive(std::uint32_t lane, std::uint32_t step) {
    LTDES_ASSERT(lane < received_.size() && step < received_[lane].size() &&
                     received_[lane][step] < schedule_->expected(lane, step),
                 "collective message (lane {}, step {}) not expected", lane, step);
    ++received_[lane][step];
    advance(lane);
}

void CollectiveProgress::take_sendable(std::vector<CollectiveMessage>& out) {
    if (!ready_) {
        return;
    }
    for (std::uint32_t l = 0; l < schedule_->lanes(); ++l) {
        // Step s goes once every message of steps < s of this lane has arrived.
        while (next_send_[l] < schedule_->steps(l) && next_send_[l] <= complete_through_[l]) {
            const auto& s = schedule_->sends(l, next_send_[l]);
            out.insert(out.end(), s.begin(), s.end());
            ++next_send_[l];
        }
    }
}

bool CollectiveProgress::done() const {
    if (!ready_) {
        return false;
    }
    for (std::uint32_t l = 0; l < schedule_->lanes(); ++l) {
        if (next_send_[l] < schedule_->steps(l) || complete_through_[l] < schedule_->steps(l)) {
            return false;
        }
    }
    return true;
}

}  // namespace ltdes::cluster
