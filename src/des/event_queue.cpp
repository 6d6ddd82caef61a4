// SPDX-License-Identifier: MIT
#include "ltdes/des/event_queue.hpp"

namespace ltdes::des {

void EventQueue::reserve(std::size_t n) {
    heap_.reserve(n);
    pool_.reserve(n);
    free_.reserve(n);
}

void EventQueue::push(const Event& ev) {
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
}

}  // namespace ltdes::des
