// SPDX-License-Identifier: MIT
#include "ltdes/serving/ring_group.hpp"

#include "ltdes/cluster/collective.hpp"
#include "ltdes/cluster/dram_channel.hpp"
#include "ltdes/core/assert.hpp"

#include <algorithm>
#include <functional>
#include <map>
#include <queue>
#include <tuple>

namespace ltdes::serving {

namespace {

/// The chip models of the group over one queue of events (time, creation order).
class GroupRunner {
public:
    GroupRunner(const cluster::Topology& topo,
                const cluster::CollectiveSpec& collective,
                std::span<const std::uint32_t> chips,
                bool overlap,
                std::span<const GroupOp> ops,
                std::span<const std::vector<cluster::OpTiming>> timings,
                std::vector<SimTime>& ready,
                cluster::NetworkReplay& net)
        : topo_(topo),
          collective_(collective),
          chips_(chips),
          overlap_(overlap),
          ops_(ops),
          timings_(timings),
          ready_(ready),
          net_(net),
          p_(static_cast<std::uint32_t>(chips.size())),
          dependents_(ops.size()),
          members_(p_) {
        for (std::uint32_t i = 0; i < ops.size(); ++i) {
            for (const std::uint32_t d : ops[i].deps) {
                LTDES_ASSERT(d < i, "op {} depends on op {}, which is not earlier", i, d);
                dependents_[d].push_back(i);
            }
        }
        computed_at_.resize(ops.size() * p_);
        computed_count_.assign(ops.size(), 0);
        for (Member& m : members_) {
            m.ops.resize(ops.size());
        }
    }

    /// One run of the segment from ready_; may be called again (the next block).
    void run() {
        std::fill(computed_count_.begin(), computed_count_.end(), 0U);
        for (Member& m : members_) {
            for (std::uint32_t i = 0; i < ops_.size(); ++i) {
                m.ops[i].remaining = static_cast<std::uint32_t>(ops_[i].deps.size());
            }
            m.end = SimTime::zero();
        }
        for (std::uint32_t m = 0; m < p_; ++m) {
            push(ready_[m], kStart, m, 0, 0);
        }
        while (!events_.empty()) {
            const auto [t, seq, kind, m, op, step] = events_.top();
            events_.pop();
            Member& me = members_[m];
            switch (kind) {
                case kStart:
                    for (std::uint32_t i = 0; i < ops_.size(); ++i) {
                        if (ops_[i].deps.empty()) {
                            make_ready(m, i, t);
                        }
                    }
                    break;
                case kDone: {
                    const int r = resource(op);
                    me.busy[r] = false;
                    if (ops_[op].all_reduce && p_ > 1) {
                        computed_at_[std::size_t{op} * p_ + m] = t;
                        if (++computed_count_[op] == p_) {
                            reduce(op, t);
                        }
                    } else {
                        complete(m, op, t);
                    }
                    dispatch(m, r, t);
                    break;
                }
                default:  // kReduced: the member's all-reduce is done
                    complete(m, op, t);
                    break;
            }
        }
        for (std::uint32_t m = 0; m < p_; ++m) {
            ready_[m] = members_[m].end;
        }
    }

private:
    static constexpr std::uint8_t kStart = 0;
    static constexpr std::uint8_t kDone = 1;
    static constexpr std::uint8_t kReduced = 2;
    using Ev = std::
        tuple<SimTime, std::uint64_t, std::uint8_t, std::uint32_t, std::uint32_t, std::uint32_t>;

    struct OpState {
        std::uint32_t remaining = 0;
    };

    struct Member {
        std::vector<OpState> ops;
        std::priority_queue<std::uint32_t, std::vector<std::uint32_t>, std::greater<>> ready[2];
        bool busy[2] = {false, false};
        SimTime end;
        cluster::DramChannel channel;  ///< shared by its weight streams and memory ops
    };

    int resource(std::uint32_t op) const { return overlap_ && ops_[op].dram ? 1 : 0; }

    void push(SimTime t, std::uint8_t kind, std::uint32_t m, std::uint32_t op, std::uint32_t step) {
        events_.emplace(t, seq_++, kind, m, op, step);
    }

    void make_ready(std::uint32_t m, std::uint32_t op, SimTime now) {
        const int r = resource(op);
        members_[m].ready[r].push(op);
        dispatch(m, r, now);
    }

    void dispatch(std::uint32_t m, int r, SimTime now) {
        Member& me = members_[m];
        if (me.busy[r] || me.ready[r].empty()) {
            return;
        }
        const std::uint32_t op = me.ready[r].top();
        me.ready[r].pop();
        me.busy[r] = true;
        push(me.channel.run(timings_[m][op], now), kDone, m, op, 0);
    }

    void complete(std::uint32_t m, std::uint32_t op, SimTime now) {
        Member& me = members_[m];
        me.end = std::max(me.end, now);
        for (const std::uint32_t d : dependents_[op]) {
            if (--me.ops[d].remaining == 0) {
                make_ready(m, d, now);
            }
        }
    }

    /// Every member has computed `op` (the last one at `now`): replays the collective over
    /// the links from each member's computation time and schedules each member's completion
    /// (it needs every member's data, so none is before `now`).
    void reduce(std::uint32_t op, SimTime now) {
        const std::uint64_t bytes = ops_[op].all_reduce_bytes;
        auto schedule = schedules_.find(bytes);
        if (schedule == schedules_.end()) {
            schedule =
                schedules_
                    .emplace(bytes, cluster::all_reduce_schedule(topo_, collective_, bytes, p_))
                    .first;
        }
        const auto first = computed_at_.begin() + static_cast<std::ptrdiff_t>(std::size_t{op} * p_);
        const std::vector<SimTime> at(first, first + p_);
        const std::vector<SimTime> done = net_.collective(chips_, schedule->second, at);
        for (std::uint32_t i = 0; i < p_; ++i) {
            push(std::max(done[i], now), kReduced, i, op, 0);
        }
    }

    const cluster::Topology& topo_;
    const cluster::CollectiveSpec& collective_;
    std::span<const std::uint32_t> chips_;
    bool overlap_;
    std::span<const GroupOp> ops_;
    std::span<const std::vector<cluster::OpTiming>> timings_;
    std::vector<SimTime>& ready_;
    cluster::NetworkReplay& net_;
    std::uint32_t p_;
    std::vector<std::vector<std::uint32_t>> dependents_;
    std::vector<Member> members_;
    std::vector<SimTime> computed_at_;           ///< (op, member): its partial sums exist
    std::vector<std::uint32_t> computed_count_;  ///< by op: members that computed it
    std::map<std::uint64_t, std::vector<cluster::CollectiveMessage>> schedules_;  ///< by bytes
    std::priority_queue<Ev, std::vector<Ev>, std::greater<>> events_;
    std::uint64_t seq_ = 0;
};

}  // namespace

RingGroup::RingGroup(const cluster::Topology& topology,
                     std::vector<std::uint32_t> chips,
                     bool overlap,
                     cluster::CollectiveSpec collective)
    : topology_(topology), chips_(std::move(chips)), overlap_(overlap), collective_(collective) {}

void RingGroup::run(std::span<const GroupOp> ops,
                    std::span<const std::vector<cluster::OpTiming>> timings,
                    std::vector<SimTime>& ready,
                    cluster::NetworkReplay& net,
                    std::uint64_t times) const {
    LTDES_ASSERT(timings.size() == chips_.size() && ready.size() == chips_.size(),
                 "{} members, {} timing lists, {} ready times", chips_.size(), timings.size(),
                 ready.size());
    if (ops.empty() || times == 0) {
        return;
    }
    GroupRunner runner(topology_, collective_, chips_, overlap_, ops, timings, ready, net);
    // The members' offsets and the links' state after each run (the state before the first
    // included): once a state recurs k runs later the group cycles with period k (decode steps
    // on a ring often alternate between two), and every further k runs shift everything by
    // the same amount.
    const auto state = [&](SimTime& first) {
        first = *std::min_element(ready.begin(), ready.end());
        std::vector<std::int64_t> rel = net.state(first);
        for (const SimTime r : ready) {
            rel.push_back((r - first).in_ps());
        }
        return rel;
    };
    constexpr std::size_t kLongestPeriod = 4;
    std::vector<std::vector<std::int64_t>> seen;
    std::vector<SimTime> seen_first(1);
    seen.push_back(state(seen_first[0]));
    for (std::uint64_t b = 0; b < times; ++b) {
        runner.run();
        SimTime first;
        std::vector<std::int64_t> rel = state(first);
        const std::size_t here = seen.size();
        for (std::size_t k = 1; k <= kLongestPeriod && k <= here; ++k) {
            if (seen[here - k] != rel) {
                continue;
            }
            const std::uint64_t left = times - 1 - b;
            const std::int64_t cycles = static_cast<std::int64_t>(left / k);
            const SimTime shift = SimTime::from_ps((first - seen_first[here - k]).in_ps() * cycles);
            net.shift(first, shift);
            for (SimTime& r : ready) {
                r += shift;
            }
            for (std::uint64_t r = 0; r < left % k; ++r) {
                runner.run();
            }
            return;
        }
        seen.push_back(std::move(rel));
        seen_first.push_back(first);
    }
}

}  // namespace ltdes::serving
