// SPDX-License-Identifier: MIT
#include "ltdes/des/event_queue.hpp"

#include <algorithm>

namespace ltdes::des {

void EventQueue::reserve(std::size_t n) {
    heap_.reserve(n);
    pool_.reserve(n);
    free_.reserve(n);
    far_.reserve(n);
    far_time_ps_.reserve(n);
}

void EventQueue::set_horizon_width(SimTime width) {
    width_ps_ = std::max<std::int64_t>(1, width.in_ps());
}

void EventQueue::refill(SimTime until) {
    // Move the far events before the new horizon into the heap, compacting the rest in place.
    const std::int64_t room = std::numeric_limits<std::int64_t>::max() - until.in_ps();
    horizon_ps_ =
        room <= width_ps_ ? std::numeric_limits<std::int64_t>::max() : until.in_ps() + width_ps_;
    const std::size_t before = far_.size();
    // Order inside the far list does not matter: a moved event is replaced by the last one, so
    // the events that stay are never copied.
    std::int64_t new_min = std::numeric_limits<std::int64_t>::max();
    std::size_t i = 0;
    while (i < far_time_ps_.size()) {
        const std::int64_t t = far_time_ps_[i];
        if (t < horizon_ps_) {
            push_near(far_[i]);
            far_[i] = far_.back();
            far_time_ps_[i] = far_time_ps_.back();
            far_.pop_back();
            far_time_ps_.pop_back();
        } else {
            new_min = std::min(new_min, t);
            ++i;
        }
    }
    const std::size_t kept = far_.size();
    far_min_ps_ = new_min;
    // Aim at moving between 1/16 and 1/4 of the far list per scan: a scan then costs a few
    // sequential reads per event, and the heap stays small.
    const std::size_t moved = before - kept;
    if (moved * 16 < before && width_ps_ < std::numeric_limits<std::int64_t>::max() / 4) {
        width_ps_ *= 2;
    } else if (moved * 4 > before && width_ps_ > 1) {
        width_ps_ /= 2;
    }
}

void EventQueue::push_near(const Event& ev) {
    std::uint32_t slot = 0;
    if (free_.empty()) {
        slot = static_cast<std::uint32_t>(pool_.size());
        pool_.push_back(ev);
    } else {
        slot = free_.back();
        free_.pop_back();
        pool_[slot] = ev;
    }
    // Sift up with a hole instead of swaps.
    const Key key{ev.time.in_ps(), to_underlying(ev.src), slot};
    std::size_t hole = heap_.size();
    heap_.push_back(key);
    while (hole > 0) {
        const std::size_t parent = (hole - 1) / 2;
        if (!before(key, heap_[parent])) {
            break;
        }
        heap_[hole] = heap_[parent];
        hole = parent;
    }
    heap_[hole] = key;
}

void EventQueue::pop(Event& out) {
    const std::uint32_t slot = heap_.front().slot;
    out = pool_[slot];
    free_.push_back(slot);
    const Key last = heap_.back();
    heap_.pop_back();
    const std::size_t n = heap_.size();
    if (n == 0) {
        return;
    }
    // Sift the last key down from the root.
    std::size_t hole = 0;
    while (true) {
        std::size_t child = 2 * hole + 1;
        if (child >= n) {
            break;
        }
        if (child + 1 < n && before(heap_[child + 1], heap_[child])) {
            ++child;
        }
        if (!before(heap_[child], last)) {
            break;
        }
        heap_[hole] = heap_[child];
        hole = child;
    }
    heap_[hole] = last;
    // The next pop reads this event; fetch it while the LP handles the current one.
    __builtin_prefetch(&pool_[heap_.front().slot]);
}

}  // namespace ltdes::des
