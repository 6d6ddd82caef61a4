// SPDX-License-Identifier: MIT
#include "ltdes/serving/ring_group.hpp"

#include "ltdes/cluster/collective.hpp"
#include "ltdes/core/assert.hpp"

#include <algorithm>
#include <functional>
#include <queue>
#include <tuple>

namespace ltdes::serving {

namespace {

/// The chip models of the group over one queue of events (time, creation order).
class GroupRunner {
public:
    GroupRunner(const cluster::Topology& topo,
                std::span<const std::uint32_t> chips,
                bool overlap,
                std::span<const GroupOp> ops,
                std::span<const std::vector<SimTime>> durations,
                std::vector<MemberClock>& clocks)
        : topo_(topo),
          chips_(chips),
          overlap_(overlap),
          ops_(ops),
          durations_(durations),
          clocks_(clocks),
          p_(static_cast<std::uint32_t>(chips.size())),
          dependents_(ops.size()),
          members_(p_) {
        for (std::uint32_t i = 0; i < ops.size(); ++i) {
            for (const std::uint32_t d : ops[i].deps) {
                LTDES_ASSERT(d < i, "op {} depends on op {}, which is not earlier", i, d);
                dependents_[d].push_back(i);
            }
        }
        for (Member& m : members_) {
            m.ops.resize(ops.size());
            for (std::uint32_t i = 0; i < ops.size(); ++i) {
                m.ops[i].remaining = static_cast<std::uint32_t>(ops[i].deps.size());
            }
        }
    }

    void run() {
        for (std::uint32_t m = 0; m < p_; ++m) {
            push(clocks_[m].ready, kStart, m, 0, 0);
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
                    me.ops[op].computed = true;
                    if (ops_[op].all_reduce && p_ > 1) {
                        send_chunks(m, op, t);
                    } else {
                        complete(m, op, t);
                    }
                    dispatch(m, r, t);
                    break;
                }
                default: {  // kChunk
                    OpState& st = me.ops[op];
                    LTDES_ASSERT(step == st.received, "member {}: step {} arrived, expected {}", m,
                                 step, st.received);
                    ++st.received;
                    send_chunks(m, op, t);
                    if (st.received == 2 * (p_ - 1)) {
                        complete(m, op, t);
                    }
                    break;
                }
            }
        }
        for (std::uint32_t m = 0; m < p_; ++m) {
            clocks_[m].ready = members_[m].end;
            clocks_[m].link_free = std::max(clocks_[m].link_free, members_[m].end);
        }
    }

private:
    static constexpr std::uint8_t kStart = 0;
    static constexpr std::uint8_t kDone = 1;
    static constexpr std::uint8_t kChunk = 2;
    using Ev = std::
        tuple<SimTime, std::uint64_t, std::uint8_t, std::uint32_t, std::uint32_t, std::uint32_t>;

    struct OpState {
        std::uint32_t remaining = 0;
        std::uint32_t sent = 0;
        std::uint32_t received = 0;
        bool computed = false;
    };

    struct Member {
        std::vector<OpState> ops;
        std::priority_queue<std::uint32_t, std::vector<std::uint32_t>, std::greater<>> ready[2];
        bool busy[2] = {false, false};
        SimTime end;
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
        push(now + durations_[m][op], kDone, m, op, 0);
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

    /// The chip model's ring rule: step s goes once the sums exist and step s−1 has arrived.
    void send_chunks(std::uint32_t i, std::uint32_t op, SimTime now) {
        OpState& st = members_[i].ops[op];
        const std::uint32_t p = p_;
        const std::uint32_t steps = 2 * (p - 1);
        const std::uint32_t j = (i + 1) % p;
        while (st.computed && st.sent < steps && st.sent <= st.received) {
            const std::uint32_t s = st.sent;
            const std::uint32_t chunk =
                s < p - 1 ? (i + p - s % p) % p : (i + 1 + p - (s - (p - 1)) % p) % p;
            const std::uint64_t bytes = cluster::chunk_bytes(ops_[op].all_reduce_bytes, p, chunk);
            SimTime& free_at = clocks_[i].link_free;
            const SimTime depart = std::max(now, free_at);
            free_at = depart + topo_.serialization(bytes);
            const SimTime arrival = free_at + SimTime::from_ps(topo_.hop_latency().in_ps() *
                                                               topo_.hops(chips_[i], chips_[j]));
            push(arrival, kChunk, j, op, s);
            ++st.sent;
        }
    }

    const cluster::Topology& topo_;
    std::span<const std::uint32_t> chips_;
    bool overlap_;
    std::span<const GroupOp> ops_;
    std::span<const std::vector<SimTime>> durations_;
    std::vector<MemberClock>& clocks_;
    std::uint32_t p_;
    std::vector<std::vector<std::uint32_t>> dependents_;
    std::vector<Member> members_;
    std::priority_queue<Ev, std::vector<Ev>, std::greater<>> events_;
    std::uint64_t seq_ = 0;
};

}  // namespace

RingGroup::RingGroup(const cluster::Topology& topology,
                     std::vector<std::uint32_t> chips,
                     bool overlap)
    : topology_(topology), chips_(std::move(chips)), overlap_(overlap) {}

void RingGroup::run(std::span<const GroupOp> ops,
                    std::span<const std::vector<SimTime>> durations,
                    std::vector<MemberClock>& clocks) const {
    LTDES_ASSERT(durations.size() == chips_.size() && clocks.size() == chips_.size(),
                 "{} members, {} duration lists, {} clocks", chips_.size(), durations.size(),
                 clocks.size());
    if (ops.empty()) {
        return;
    }
    GroupRunner(topology_, chips_, overlap_, ops, durations, clocks).run();
}

std::uint32_t RingGroup::link_key(std::uint32_t src, std::uint32_t dst) const {
    if (topology_.kind() != cluster::TopologyKind::ring) {
        return dst;
    }
    const std::uint32_t c = topology_.chips();
    const std::uint32_t forward = (dst + c - src) % c;
    return forward <= c - forward ? 0 : 1;
}

bool RingGroup::shares_link(std::uint32_t m, std::uint32_t dst) const {
    const std::uint32_t src = chips_[m];
    const std::uint32_t next = chips_[(m + 1) % chips_.size()];
    return chips_.size() > 1 && link_key(src, dst) == link_key(src, next);
}

}  // namespace ltdes::serving
