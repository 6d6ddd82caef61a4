// SPDX-License-Identifier: MIT
#pragma once

#include "ltdes/stats/timeline_row.hpp"

#include <cstddef>
#include <functional>
#include <memory>

namespace ltdes::stats {

/// Hands timeline rows from the threads that execute events (TBB workers) to the one thread per
/// rank that calls the result writer (HDF5 is not thread-safe). Each thread appends to its own
/// buffer without locking; the owner drains all buffers at a window barrier, so memory is
/// bounded by the rows of one window.
class RowCollector {
public:
    RowCollector();
    ~RowCollector();
    RowCollector(const RowCollector&) = delete;
    RowCollector& operator=(const RowCollector&) = delete;

    /// Any thread, concurrently with other push() calls (never with drain()).
    void push(const TimelineRow& row);

    /// Owner thread, while no thread pushes. Passes every buffered row to `sink` in
    /// (chip, t_start, op_id, resource, …) order — independent of which thread buffered it, so
    /// per-chip sums done by the sink (LayerAccumulator) are deterministic — and empties the
    /// buffers (keeping their capacity).
    void drain(const std::function<void(const TimelineRow&)>& sink);

    /// Rows buffered now, over all threads. Owner thread only.
    std::size_t buffered() const;

private:
    class Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace ltdes::stats
