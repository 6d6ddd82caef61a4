// SPDX-License-Identifier: MIT
#include "ltdes/cluster/network_replay.hpp"

#include "ltdes/cluster/collective_progress.hpp"
#include "ltdes/core/assert.hpp"

#include <algorithm>
#include <tuple>

namespace ltdes::cluster {

namespace {

/// One event of a replay: message `id` reaches chip `at` (whole, taken in by the port, when
/// `ported`), or member `id` is ready (`ready`). Ordered as the DES orders events: (time,
/// sending LP, creation order).
struct Ev {
    SimTime time;
    std::uint32_t src = 0;
    std::uint64_t seq = 0;
    std::uint32_t at = 0;
    std::uint32_t final_dst = 0;
    std::uint32_t id = 0;
    bool ported = false;
    bool ready = false;
    std::uint64_t bytes = 0;

    bool operator>(const Ev& o) const {
        return std::tie(time, src, seq) > std::tie(o.time, o.src, o.seq);
    }
};

/// Buffers reused from one replay to the next (replays are not re-entrant; one per thread).
struct Scratch {
    std::vector<Ev> heap;  ///< a min-heap on (time, src, seq)
    std::vector<CollectiveMessage> sent;
    std::vector<CollectiveMessage> out;
    std::vector<CollectiveProgress> progress;
};

Scratch& scratch() {
    thread_local Scratch s;
    return s;
}

/// The moves every replay shares: sending, passing on, and the receive port.
class ReplayLoop {
public:
    ReplayLoop(const Topology& topo, std::map<std::uint32_t, ChipNetwork>& nets)
        : topo_(topo), nets_(nets), heap_(scratch().heap) {
        heap_.clear();
    }

    ChipNetwork& net(std::uint32_t chip) {
        return nets_.try_emplace(chip, topo_, chip).first->second;
    }

    /// Puts message `id` of `bytes` from `src` towards `dst` at `now`; returns its link energy.
    double send(std::uint32_t src,
                std::uint32_t dst,
                std::uint64_t bytes,
                std::uint32_t id,
                std::uint32_t readers,
                SimTime now) {
        if (topo_.on_bus(src, dst)) {
            // Straight from the sender to the reader: the tail plus the bus hop; readers take
            // it in at once (no port).
            const SimTime arrive = net(src).send_bus(bytes, readers, now) +
                                   topo_.bus_serialization(bytes) + topo_.bus_latency();
            last_bus_ = Ev{arrive, src, seq_++, dst, dst, id, true, false, bytes};
            push(last_bus_);
            return static_cast<double>(bytes) * 8.0 * topo_.bus_energy_pj_per_bit(readers);
        }
        const ChipNetwork::Hop hop = net(src).send(dst, bytes, now);
        push(Ev{now + hop.delay, src, seq_++, hop.to, dst, id, false, false, bytes});
        return topo_.transfer_energy_pj(src, dst, bytes);
    }

    /// A bus broadcast's other readers get the same arrival (one transmission).
    void also_deliver(std::uint32_t dst, std::uint32_t id) {
        Ev e = last_bus_;
        e.at = dst;
        e.final_dst = dst;
        e.id = id;
        e.seq = seq_++;
        push(e);
    }

    void push_ready(SimTime t, std::uint32_t chip, std::uint32_t member) {
        push(Ev{t, chip, seq_++, chip, chip, member, true, true});
    }

    /// The next event that a model must handle (a ready member, or a message taken in at its
    /// destination); passes messages on and holds them at busy ports on the way. False when
    /// nothing is left.
    bool next(Ev& out) {
        while (!heap_.empty()) {
            std::pop_heap(heap_.begin(), heap_.end(), std::greater<>{});
            const Ev ev = heap_.back();
            heap_.pop_back();
            if (ev.ready) {
                out = ev;
                return true;
            }
            if (ev.at != ev.final_dst) {
                const ChipNetwork::Hop hop = net(ev.at).send(ev.final_dst, ev.bytes, ev.time);
                push(Ev{ev.time + hop.delay, ev.at, seq_++, hop.to, ev.final_dst, ev.id, false,
                        false, ev.bytes});
                continue;
            }
            if (!ev.ported) {
                const SimTime done = net(ev.at).receive(ev.bytes, ev.time);
                if (done > ev.time) {
                    push(
                        Ev{done, ev.at, seq_++, ev.at, ev.final_dst, ev.id, true, false, ev.bytes});
                    continue;
                }
            }
            out = ev;
            return true;
        }
        return false;
    }

private:
    void push(const Ev& e) {
        heap_.push_back(e);
        std::push_heap(heap_.begin(), heap_.end(), std::greater<>{});
    }

    const Topology& topo_;
    std::map<std::uint32_t, ChipNetwork>& nets_;
    std::vector<Ev>& heap_;
    std::uint64_t seq_ = 0;
    Ev last_bus_;  ///< the last bus transmission sent
};

}  // namespace

std::vector<MemberSchedule> member_views(std::span<const CollectiveMessage> schedule,
                                         std::uint32_t p) {
    std::vector<MemberSchedule> views;
    views.reserve(p);
    for (std::uint32_t i = 0; i < p; ++i) {
        views.emplace_back(schedule, i);
    }
    return views;
}

std::vector<SimTime> NetworkReplay::collective(std::span<const std::uint32_t> group,
                                               std::span<const CollectiveMessage> schedule,
                                               std::span<const SimTime> ready) {
    const std::vector<MemberSchedule> views =
        member_views(schedule, static_cast<std::uint32_t>(group.size()));
    return collective(group, views, ready);
}

std::vector<SimTime> NetworkReplay::collective(std::span<const std::uint32_t> group,
                                               std::span<const MemberSchedule> views,
                                               std::span<const SimTime> ready) {
    const auto p = static_cast<std::uint32_t>(group.size());
    LTDES_ASSERT(ready.size() == p && views.size() == p, "{} members, {} ready times, {} views", p,
                 ready.size(), views.size());
    std::vector<SimTime> done(ready.begin(), ready.end());
    Scratch& buf = scratch();
    std::vector<CollectiveProgress>& progress = buf.progress;
    for (std::uint32_t i = 0; i < p; ++i) {
        if (i < progress.size()) {
            progress[i].reset(views[i]);
        } else {
            progress.emplace_back(views[i]);
        }
    }
    const auto member_of = [&group](std::uint32_t chip) {
        return static_cast<std::uint32_t>(std::find(group.begin(), group.end(), chip) -
                                          group.begin());
    };
    // Message ids index `sent`; a unicast copy of a point-to-point "broadcast" is its own id.
    std::vector<CollectiveMessage>& sent = buf.sent;
    sent.clear();
    ReplayLoop loop(topology_, nets_);
    std::vector<CollectiveMessage>& out = buf.out;
    const auto send_all = [&](std::uint32_t member, SimTime now) {
        out.clear();
        progress[member].take_sendable(out);
        const std::uint32_t src = group[member];
        for (const CollectiveMessage& m : out) {
            bytes_sent_ += m.bytes;
            steps_ = std::max(steps_, m.step + 1);
            if (m.all_readers && topology_.on_bus(src, group[member == 0 ? 1 : 0])) {
                const std::uint32_t readers = p - 1;
                const auto id = static_cast<std::uint32_t>(sent.size());
                sent.push_back(m);
                bool first = true;
                for (std::uint32_t j = 0; j < p; ++j) {
                    if (!(m.all_readers ? j != member : j == m.dst)) {
                        continue;
                    }
                    if (first) {
                        energy_pj_ += loop.send(src, group[j], m.bytes, id, readers, now);
                        first = false;
                    } else {
                        loop.also_deliver(group[j], id);
                    }
                }
                continue;
            }
            for (std::uint32_t j = 0; j < p; ++j) {
                if (!(m.all_readers ? j != member : j == m.dst)) {
                    continue;
                }
                const auto id = static_cast<std::uint32_t>(sent.size());
                sent.push_back(m);
                energy_pj_ += loop.send(src, group[j], m.bytes, id, 1, now);
            }
        }
        if (progress[member].done()) {
            done[member] = now;
        }
    };
    for (std::uint32_t i = 0; i < p; ++i) {
        loop.push_ready(ready[i], group[i], i);
    }
    Ev ev;
    while (loop.next(ev)) {
        if (ev.ready) {
            progress[ev.id].set_ready();
            send_all(ev.id, ev.time);
            continue;
        }
        const std::uint32_t member = member_of(ev.at);
        progress[member].on_receive(sent[ev.id].lane, sent[ev.id].step);
        send_all(member, ev.time);
    }
    for (std::uint32_t i = 0; i < p; ++i) {
        LTDES_ASSERT(progress[i].done(), "collective member {} did not finish", i);
    }
    return done;
}

std::vector<SimTime> NetworkReplay::transfers(std::span<const Transfer> transfers) {
    std::vector<SimTime> arrival(transfers.size());
    ReplayLoop loop(topology_, nets_);
    // Each transfer leaves when its sender is "ready" (a DES self-event), in time order.
    for (std::uint32_t i = 0; i < transfers.size(); ++i) {
        loop.push_ready(transfers[i].depart, transfers[i].src, i);
    }
    const std::uint32_t n = static_cast<std::uint32_t>(transfers.size());
    Ev ev;
    while (loop.next(ev)) {
        if (ev.ready) {
            const Transfer& t = transfers[ev.id];
            bytes_sent_ += t.bytes;
            energy_pj_ += loop.send(t.src, t.dst, t.bytes, ev.id + n, 1, ev.time);
            continue;
        }
        arrival[ev.id - n] = ev.time;
    }
    return arrival;
}

std::vector<std::int64_t> NetworkReplay::state(SimTime origin) const {
    std::vector<std::int64_t> s;
    for (const auto& [chip, n] : nets_) {
        s.push_back(chip);
        n.append_state(origin, s);
    }
    return s;
}

void NetworkReplay::shift(SimTime origin, SimTime by) {
    for (auto& [chip, n] : nets_) {
        n.shift(origin, by);
    }
}

}  // namespace ltdes::cluster
