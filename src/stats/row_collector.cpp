// SPDX-License-Identifier: MIT
#include "ltdes/stats/row_collector.hpp"

#include <tbb/enumerable_thread_specific.h>

#include <algorithm>
#include <vector>

namespace ltdes::stats {

class RowCollector::Impl {
public:
    tbb::enumerable_thread_specific<std::vector<TimelineRow>> buffers;
    std::vector<TimelineRow> merged;
};

RowCollector::RowCollector() : impl_(std::make_unique<Impl>()) {}

RowCollector::~RowCollector() = default;

void RowCollector::push(const TimelineRow& row) {
    impl_->buffers.local().push_back(row);
}

void RowCollector::drain(const std::function<void(const TimelineRow&)>& sink) {
    auto& merged = impl_->merged;
    merged.clear();
    for (auto& b : impl_->buffers) {
        merged.insert(merged.end(), b.begin(), b.end());
        b.clear();
    }
    std::sort(merged.begin(), merged.end(), timeline_less);
    for (const auto& r : merged) {
        sink(r);
    }
    merged.clear();
}

std::size_t RowCollector::buffered() const {
    std::size_t n = 0;
    for (const auto& b : impl_->buffers) {
        n += b.size();
    }
    return n;
}

}  // namespace ltdes::stats
