// SPDX-License-Identifier: MIT
#include "ltdes/serving/pass_schedule.hpp"

#include "ltdes/cluster/dram_channel.hpp"
#include "ltdes/core/assert.hpp"

#include <algorithm>
#include <functional>
#include <queue>
#include <tuple>

namespace ltdes::serving {

namespace {

/// The chip model's dispatch loop over self-events (time, creation order).
class Runner {
public:
    Runner(std::span<const ScheduledOp> ops, bool overlap)
        : ops_(ops), overlap_(overlap), remaining_(ops.size()), dependents_(ops.size()) {
        for (std::uint32_t i = 0; i < ops.size(); ++i) {
            remaining_[i] = static_cast<std::uint32_t>(ops[i].deps.size());
            for (const std::uint32_t d : ops[i].deps) {
                LTDES_ASSERT(d < i, "op {} depends on op {}, which is not earlier", i, d);
                dependents_[d].push_back(i);
            }
        }
    }

    SimTime run() {
        for (std::uint32_t i = 0; i < ops_.size(); ++i) {
            if (remaining_[i] == 0) {
                make_ready(i, SimTime::zero());
            }
        }
        while (!events_.empty()) {
            const auto [t, seq, kind, op] = events_.top();
            events_.pop();
            end_ = std::max(end_, t);
            if (kind == kDone) {
                const int r = resource(op);
                busy_[r] = false;
                if (ops_[op].after > SimTime::zero()) {
                    push(t + ops_[op].after, kComplete, op);
                } else {
                    complete(op, t);
                }
                dispatch(r, t);
            } else {
                complete(op, t);
            }
        }
        return end_;
    }

private:
    static constexpr int kDone = 0;
    static constexpr int kComplete = 1;
    using Ev = std::tuple<SimTime, std::uint64_t, int, std::uint32_t>;

    int resource(std::uint32_t op) const { return overlap_ && ops_[op].dram ? 1 : 0; }

    void push(SimTime t, int kind, std::uint32_t op) { events_.emplace(t, seq_++, kind, op); }

    void make_ready(std::uint32_t op, SimTime now) {
        const int r = resource(op);
        ready_[r].push(op);
        dispatch(r, now);
    }

    void dispatch(int r, SimTime now) {
        if (busy_[r] || ready_[r].empty()) {
            return;
        }
        const std::uint32_t op = ready_[r].top();
        ready_[r].pop();
        busy_[r] = true;
        push(channel_.run(ops_[op].timing, now), kDone, op);
    }

    void complete(std::uint32_t op, SimTime now) {
        for (const std::uint32_t d : dependents_[op]) {
            if (--remaining_[d] == 0) {
                make_ready(d, now);
            }
        }
    }

    std::span<const ScheduledOp> ops_;
    bool overlap_;
    std::vector<std::uint32_t> remaining_;
    std::vector<std::vector<std::uint32_t>> dependents_;
    std::priority_queue<std::uint32_t, std::vector<std::uint32_t>, std::greater<>> ready_[2];
    bool busy_[2] = {false, false};
    std::priority_queue<Ev, std::vector<Ev>, std::greater<>> events_;
    std::uint64_t seq_ = 0;
    SimTime end_;
    cluster::DramChannel channel_;
};

}  // namespace

SimTime schedule_makespan(std::span<const ScheduledOp> ops, bool overlap) {
    return Runner(ops, overlap).run();
}

}  // namespace ltdes::serving
