// SPDX-License-Identifier: MIT
// What `run` and `estimate --out` record about a run besides its rows, built in one place so
// the two commands cannot disagree: token counts, /summary, /metadata, the static-energy rows.
#pragma once

#include "ltdes/des/simulation.hpp"
#include "ltdes/output/run_metadata.hpp"
#include "ltdes/sim/chip_archs.hpp"
#include "ltdes/stats/run_summary.hpp"
#include "ltdes/stats/timeline_row.hpp"
#include "ltdes/workload/model_shape.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace ltdes::sim {

/// Tokens of a workload over all requests (docs/units.md, "Tokens").
struct TokenCounts {
    /// Tokens the passes consume: batch · (prompt + decode) (encoders: batch · tokens).
    std::uint64_t processed = 0;
    /// Decoders: batch · (decode + 1), prefill producing the first token of each request and
    /// every decode step one more. Encoders generate none.
    std::uint64_t generated = 0;
};

TokenCounts token_counts(const workload::ModelShape& model, const workload::WorkloadSpec& w);

/// The /summary of a run that ended at `makespan_s` and produced its first tokens at
/// `first_token_s` (end of prefill): TTFT = first_token_s and TPOT = (makespan − TTFT) /
/// (generated per request − 1) = (makespan − TTFT) / decode for decoders; NaN for encoders or
/// without decode steps. `utilization` per chip.
stats::RunSummary make_summary(const workload::ModelShape& model,
                               const workload::WorkloadSpec& w,
                               double makespan_s,
                               double first_token_s,
                               std::vector<double> utilization);

/// The /timeline phase and op-kind values of a static-energy row: one past the workload's
/// names, written as "static" in the enum tables (make_metadata appends them).
inline constexpr std::uint8_t kStaticPhase =
    static_cast<std::uint8_t>(workload::kPhaseNames.size());
inline constexpr std::uint8_t kStaticOpKind =
    static_cast<std::uint8_t>(workload::kOpKindNames.size());

/// The static-energy row of a chip: the whole run [0, makespan] on the chip as a whole, phase
/// and kind "static", carrying only the `static` energy component (docs/energy.md).
stats::TimelineRow static_energy_row(std::uint32_t chip, std::int64_t makespan_ps, double pj);

/// The /metadata of a run: the command line, library versions, enum names, the workload, the
/// chips and their arch files, plus `config_yaml`, `inputs` (trace, cluster, hf-config) and
/// the threads per rank.
output::RunMetadata make_metadata(const workload::ModelShape& model,
                                  const workload::WorkloadSpec& w,
                                  const ChipArchs& archs,
                                  std::string config_yaml,
                                  std::vector<output::InputFile> inputs,
                                  unsigned threads);

/// /metadata/ranks of this rank: events, windows, rounds, and its simulation time split into
/// computing and waiting in rounds (`sync`), the same names for static and serving runs.
output::RankReport rank_report(const des::RunStats& stats, RankId rank);

/// The command line as typed (arguments joined by spaces), from /proc on Linux.
std::string own_command_line();

}  // namespace ltdes::sim
