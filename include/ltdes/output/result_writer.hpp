// SPDX-License-Identifier: MIT
#pragma once

#include "ltdes/output/run_metadata.hpp"
#include "ltdes/stats/layer_stats.hpp"
#include "ltdes/stats/run_summary.hpp"
#include "ltdes/stats/timeline_row.hpp"

#include <string_view>

namespace ltdes::output {

/// Where the results of a run go. Producers call add_row/add_layer_stats from ONE thread per
/// rank while the run goes on, then every rank calls finish() (or fail()) once.
class ResultWriter {
public:
    virtual ~ResultWriter() = default;

    /// Records a row of a chip owned by this rank, in any order. Not thread-safe.
    virtual void add_row(const stats::TimelineRow& row) = 0;

    /// Records a per-chip layer partial of a chip owned by this rank. Not thread-safe.
    virtual void add_layer_stats(const stats::LayerStats& partial) = 0;

    /// Collective: writes the file, marks it complete and renames it to its final name.
    /// Throws OutputError (on every rank) when that fails; the target is then not created.
    virtual void finish(const RunMetadata& meta,
                        const stats::RunSummary& summary,
                        const RankReport& report) = 0;

    /// Collective: the run failed for `reason`. Leaves `<out>.partial` with `@status = failed`
    /// and `@error = reason` (no results) so sweeps can flag it; the target is not touched.
    virtual void fail(const RunMetadata& meta, std::string_view reason) = 0;
};

}  // namespace ltdes::output
