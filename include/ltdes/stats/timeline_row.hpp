// SPDX-License-Identifier: MIT
#pragma once

#include "ltdes/core/energy.hpp"
#include "ltdes/stats/resource.hpp"

#include <cstdint>
#include <tuple>

namespace ltdes::stats {

/// One executed op instance (or link transfer) on one chip: one row of `/timeline`.
/// `op_kind` and `phase` hold the numeric values of workload::OpKind / workload::Phase (stats
/// does not depend on workload; the writer receives their name tables as data).
/// Trivially copyable: the writer spills rows to disk as raw bytes.
struct TimelineRow {
    std::int64_t t_start_ps = 0;  ///< simulated start time, ps
    std::int64_t t_end_ps = 0;    ///< simulated end time, ps (>= t_start_ps)
    std::uint64_t op_id = 0;      ///< op id of the trace (a transfer carries the op it serves)
    std::uint64_t m = 0, n = 0, k = 0;
    std::uint32_t chip = 0;
    std::uint32_t core = 0;     ///< core index within the chip (0 for non-core resources)
    std::int32_t layer = -1;    ///< transformer block, -1 outside blocks
    std::uint32_t step = 0;     ///< decode step (0 for prefill/encoder)
    std::uint32_t request = 0;  ///< request (batch entry) the op serves
    std::uint32_t op_name = 0;  ///< index into /timeline/op_names (0 = `static`)
    Resource resource = Resource::core;
    std::uint8_t op_kind = 0;  ///< workload::OpKind value
    std::uint8_t phase = 0;    ///< workload::Phase value
    EnergyPj energy;           ///< per component, pJ (the writer stores J)

    /// The `/timeline` order (docs/units.md): (chip, t_start, op_id, resource), then the
    /// other identifying fields so that ties never depend on arrival order.
    auto order_key() const {
        return std::tuple(chip, t_start_ps, op_id, resource, core, t_end_ps, step, request, layer);
    }
};

/// Total order of rows: order_key(), then the remaining fields, so that sorting never depends
/// on arrival order or on where a buffer was cut (spills, thread buffers).
inline bool timeline_less(const TimelineRow& a, const TimelineRow& b) {
    const auto ka =
        std::tuple_cat(a.order_key(), std::tuple(a.m, a.n, a.k, a.op_kind, a.phase, a.op_name));
    const auto kb =
        std::tuple_cat(b.order_key(), std::tuple(b.m, b.n, b.k, b.op_kind, b.phase, b.op_name));
    if (ka != kb) {
        return ka < kb;
    }
    return a.energy.pj < b.energy.pj;
}

}  // namespace ltdes::stats
