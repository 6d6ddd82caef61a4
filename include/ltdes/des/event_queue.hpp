// SPDX-License-Identifier: MIT
#pragma once

#include "ltdes/core/sim_time.hpp"
#include "ltdes/des/event.hpp"

#include <cstdint>
#include <limits>
#include <vector>

namespace ltdes::des {

/// Pending events of one shard, popped in order_key() order. Two tiers: events before a
/// moving horizon sit in a binary heap of 16-byte keys (time, src, slot) over a pool of events
/// reused through a free list; later events wait unsorted in a "far" list (with a compact copy
/// of their times) that is scanned when the horizon moves (like the top rung of a ladder queue),
/// its width adapting so that a scan moves 1/16 to 1/4 of the far list. The heap then holds only
/// the next few windows' events and stays in cache. No allocation per event once the vectors have
/// grown to the shard's peak population. Not thread-safe.
class EventQueue {
public:
    /// Number of pending events.
    std::size_t size() const { return heap_.size() + far_.size(); }

    bool empty() const { return heap_.empty() && far_.empty(); }

    /// Time of the earliest pending event; SimTime::max() when empty.
    SimTime next_time() const {
        const std::int64_t near = heap_.empty() ? far_min_ps_ : heap_.front().time_ps;
        return SimTime::from_ps(near < far_min_ps_ ? near : far_min_ps_);
    }

    /// Adds an event (its (src, seq) must be unique among pending events).
    void push(const Event& ev) {
        if (ev.time.in_ps() < horizon_ps_) {
            push_near(ev);
        } else {
            far_.push_back(ev);
            far_time_ps_.push_back(ev.time.in_ps());
            far_min_ps_ = ev.time.in_ps() < far_min_ps_ ? ev.time.in_ps() : far_min_ps_;
        }
    }

    /// Makes every pending event with time < `until` poppable; call before popping up to
    /// `until` (events pushed afterwards below `until` are poppable at once).
    void prepare(SimTime until) {
        if (until.in_ps() <= horizon_ps_) {
            return;
        }
        if (far_min_ps_ >= until.in_ps()) {
            horizon_ps_ = until.in_ps();  // nothing far is due: move the horizon, skip the scan
            return;
        }
        refill(until);
    }

    /// True when the earliest event is poppable and earlier than `until` (after prepare(until)).
    bool has_before(SimTime until) const {
        return !heap_.empty() && heap_.front().time_ps < until.in_ps();
    }

    /// Removes the earliest poppable event into `out`. Precondition: has_before(…) was true.
    void pop(Event& out);

    /// Calls visit(event) for every pending event, in no particular order. O(size()).
    template <class Visit>
    void for_each(Visit&& visit) const {
        for (const Key& k : heap_) {
            visit(pool_[k.slot]);
        }
        for (const Event& ev : far_) {
            visit(ev);
        }
    }

    /// Initial width of the near tier beyond the requested time (it adapts), in ps; the engine
    /// uses two lookaheads.
    void set_horizon_width(SimTime width);

    /// Reserves room for `n` pending events.
    void reserve(std::size_t n);

private:
    struct Key {
        std::int64_t time_ps;
        std::uint32_t src;
        std::uint32_t slot;
    };

    bool before(const Key& a, const Key& b) const {
        if (a.time_ps != b.time_ps) {
            return a.time_ps < b.time_ps;
        }
        if (a.src != b.src) {
            return a.src < b.src;
        }
        return pool_[a.slot].seq < pool_[b.slot].seq;
    }

    void push_near(const Event& ev);
    void refill(SimTime until);

    std::vector<Key> heap_;
    std::vector<Event> pool_;
    std::vector<std::uint32_t> free_;
    std::vector<Event> far_;
    std::vector<std::int64_t> far_time_ps_;  // far_[i].time: the scan reads 8 bytes, not 80
    std::int64_t far_min_ps_ = std::numeric_limits<std::int64_t>::max();
    std::int64_t horizon_ps_ = 0;  // invariant: heap times < horizon <= every far time
    std::int64_t width_ps_ = 1;
};

}  // namespace ltdes::des
