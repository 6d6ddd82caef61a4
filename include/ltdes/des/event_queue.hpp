// SPDX-License-Identifier: MIT
#pragma once

#include "ltdes/core/sim_time.hpp"
#include "ltdes/des/event.hpp"

#include <cstdint>
#include <vector>

namespace ltdes::des {

/// Pending events of one shard, popped in order_key() order. A binary heap of 16-byte keys
/// (time, src, slot) over a pool of events reused through a free list: no allocation per event
/// once the pool has grown to the shard's peak population. Not thread-safe.
class EventQueue {
public:
    /// Number of pending events.
    std::size_t size() const { return heap_.size(); }

    bool empty() const { return heap_.empty(); }

    /// Time of the earliest pending event; SimTime::max() when empty.
    SimTime next_time() const {
        return heap_.empty() ? SimTime::max() : SimTime::from_ps(heap_.front().time_ps);
    }

    /// Adds an event (its (src, seq) must be unique among pending events).
    void push(const Event& ev);

    /// Removes the earliest event into `out`. Precondition: !empty().
    void pop(Event& out);

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

    std::vector<Key> heap_;
    std::vector<Event> pool_;
    std::vector<std::uint32_t> free_;
};

}  // namespace ltdes::des
