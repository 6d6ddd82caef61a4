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

CollectiveProgress::CollectiveProgress(const MemberSchedule& schedule) {
    reset(schedule);
}

void CollectiveProgress::reset(const MemberSchedule& schedule) {
    schedule_ = &schedule;
    ready_ = false;
    received_.resize(schedule.lanes());
    complete_through_.assign(schedule.lanes(), 0);
    next_send_.assign(schedule.lanes(), 0);
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

void CollectiveProgress::save(des::StateWriter& out) const {
    out.put(static_cast<std::uint8_t>(ready_ ? 1 : 0));
    out.put_vector(complete_through_);
    out.put_vector(next_send_);
    for (const auto& lane : received_) {
        out.put_vector(lane);
    }
}

void CollectiveProgress::restore(des::StateReader& in) {
    const auto ready = in.get<std::uint8_t>();
    in.check(ready <= 1, "collective ready flag");
    ready_ = ready == 1;
    const std::size_t lanes = received_.size();
    complete_through_ = in.get_vector<std::uint32_t>(lanes);
    next_send_ = in.get_vector<std::uint32_t>(lanes);
    in.check(complete_through_.size() == lanes && next_send_.size() == lanes,
             "collective lane count");
    for (std::size_t l = 0; l < lanes; ++l) {
        const std::size_t steps = received_[l].size();
        received_[l] = in.get_vector<std::uint32_t>(steps);
        in.check(
            received_[l].size() == steps && complete_through_[l] <= steps && next_send_[l] <= steps,
            "collective step count");
    }
}

}  // namespace ltdes::cluster
