// SPDX-License-Identifier: MIT
#include "ltdes/cluster/network_replay.hpp"

#include "ltdes/cluster/collective_progress.hpp"
#include "ltdes/core/assert.hpp"

#include <algorithm>
#include <functional>
#include <queue>
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

    bool operator>(const Ev& o) const {
        return std::tie(time, src, seq) > std::tie(o.time, o.src, o.seq);
    }
};

using EventQueue = std::priority_queue<Ev, std::vector<Ev>, std::greater<>>;

/// The moves every replay shares: sending, passing on, and the receive port.
class ReplayLoop {
public:
    ReplayLoop(const Topology& topo, std::function<ChipNetwork&(std::uint32_t)> net)
        : topo_(topo), net_(std::move(net)) {}

    /// Puts message `id` of `bytes` from `src` towards `dst` at `now`; returns its link energy.
    double send(std::uint32_t src,
                std::uint32_t dst,
                std::uint64_t bytes,
                std::uint32_t id,
                std::uint32_t readers,
                SimTime now) {
        if (topo_.kind() == TopologyKind::bus) {
            // Sender → bus → reader: the tail plus both legs; readers take it in at once.
            const SimTime arrive = net_(src).send_bus(bytes, readers, now) +
                                   topo_.serialization(bytes) + topo_.hop_latency();
            last_bus_ = Ev{arrive, topo_.hub(), seq_++, dst, dst, id, true, false};
            queue_.push(last_bus_);
            return static_cast<double>(bytes) * 8.0 * topo_.bus_energy_pj_per_bit(readers);
        }
        const ChipNetwork::Hop hop = net_(src).send(dst, bytes, now);
        queue_.push(Ev{now + hop.delay, src, seq_++, hop.to, dst, id, false, false});
        return topo_.transfer_energy_pj(src, dst, bytes);
    }

    /// A bus broadcast's other readers get the same arrival (one transmission).
    void also_deliver(std::uint32_t dst, std::uint32_t id) {
        Ev e = last_bus_;
        e.at = dst;
        e.final_dst = dst;
        e.id = id;
        e.seq = seq_++;
        queue_.push(e);
    }

    void push_ready(SimTime t, std::uint32_t chip, std::uint32_t member) {
        queue_.push(Ev{t, chip, seq_++, chip, chip, member, true, true});
    }

    /// The next event that a model must handle (a ready member, or a message taken in at its
    /// destination); passes messages on and holds them at busy ports on the way. False when
    /// nothing is left.
    bool next(Ev& out, const std::function<std::uint64_t(std::uint32_t id)>& bytes_of) {
        while (!queue_.empty()) {
            Ev ev = queue_.top();
            queue_.pop();
            if (ev.ready) {
                out = ev;
                return true;
            }
            const std::uint64_t bytes = bytes_of(ev.id);
            if (ev.at != ev.final_dst) {
                const ChipNetwork::Hop hop = net_(ev.at).send(ev.final_dst, bytes, ev.time);
                queue_.push(
                    Ev{ev.time + hop.delay, ev.at, seq_++, hop.to, ev.final_dst, ev.id, false});
                continue;
            }
            if (!ev.ported) {
                const SimTime done = net_(ev.at).receive(bytes, ev.time);
                if (done > ev.time) {
                    queue_.push(Ev{done, ev.at, seq_++, ev.at, ev.final_dst, ev.id, true});
                    continue;
                }
            }
            out = ev;
            return true;
        }
        return false;
    }

private:
    const Topology& topo_;
    std::function<ChipNetwork&(std::uint32_t)> net_;
    EventQueue queue_;
    std::uint64_t seq_ = 0;
    Ev last_bus_;  ///< the last bus transmission sent
};

}  // namespace

ChipNetwork& NetworkReplay::net(std::uint32_t chip) {
    return nets_.try_emplace(chip, topology_, chip).first->second;
}

std::vector<SimTime> NetworkReplay::collective(std::span<const std::uint32_t> group,
                                               std::span<const CollectiveMessage> schedule,
                                               std::span<const SimTime> ready) {
    const auto p = static_cast<std::uint32_t>(group.size());
    LTDES_ASSERT(ready.size() == p, "{} members, {} ready times", p, ready.size());
    std::vector<SimTime> done(ready.begin(), ready.end());
    if (schedule.empty()) {
        return done;
    }
    const bool bus = topology_.kind() == TopologyKind::bus;
    std::vector<MemberSchedule> views;
    views.reserve(p);
    for (std::uint32_t i = 0; i < p; ++i) {
        views.emplace_back(schedule, i);
    }
    std::vector<CollectiveProgress> progress;
    progress.reserve(p);
    for (std::uint32_t i = 0; i < p; ++i) {
        progress.emplace_back(views[i]);
    }
    std::map<std::uint32_t, std::uint32_t> member_of;
    for (std::uint32_t i = 0; i < p; ++i) {
        member_of[group[i]] = i;
    }
    // Message ids index `sent`; a unicast copy of a point-to-point "broadcast" is its own id.
    std::vector<CollectiveMessage> sent;
    ReplayLoop loop(topology_, [this](std::uint32_t c) -> ChipNetwork& { return net(c); });
    std::vector<CollectiveMessage> out;
    const auto send_all = [&](std::uint32_t member, SimTime now) {
        out.clear();
        progress[member].take_sendable(out);
        const std::uint32_t src = group[member];
        for (const CollectiveMessage& m : out) {
            bytes_sent_ += m.bytes;
            steps_ = std::max(steps_, m.step + 1);
            if (bus) {
                const std::uint32_t readers = m.all_readers ? p - 1 : 1;
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
    const auto bytes_of = [&sent](std::uint32_t id) { return sent[id].bytes; };
    while (loop.next(ev, bytes_of)) {
        if (ev.ready) {
            progress[ev.id].set_ready();
            send_all(ev.id, ev.time);
            continue;
        }
        const std::uint32_t member = member_of.at(ev.at);
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
    ReplayLoop loop(topology_, [this](std::uint32_t c) -> ChipNetwork& { return net(c); });
    // Each transfer leaves when its sender is "ready" (a DES self-event), in time order.
    for (std::uint32_t i = 0; i < transfers.size(); ++i) {
        loop.push_ready(transfers[i].depart, transfers[i].src, i);
    }
    const std::uint32_t n = static_cast<std::uint32_t>(transfers.size());
    Ev ev;
    const auto bytes_of = [&](std::uint32_t id) { return transfers[id - n].bytes; };
    while (loop.next(ev, bytes_of)) {
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
