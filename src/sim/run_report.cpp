// SPDX-License-Identifier: MIT
#include "ltdes/sim/run_report.hpp"

#include "ltdes/des/build_info.hpp"
#include "ltdes/dist/mpi_session.hpp"

#include <fstream>
#include <utility>

namespace ltdes::sim {

TokenCounts token_counts(const workload::ModelShape& model, const workload::WorkloadSpec& w) {
    TokenCounts t;
    t.processed = std::uint64_t{w.batch} * (std::uint64_t{w.prompt} + w.decode);
    t.generated = model.is_encoder() ? 0 : std::uint64_t{w.batch} * (std::uint64_t{w.decode} + 1);
    return t;
}

stats::RunSummary make_summary(const workload::ModelShape& model,
                               const workload::WorkloadSpec& w,
                               double makespan_s,
                               double first_token_s,
                               std::vector<double> utilization) {
    stats::RunSummary s;
    const TokenCounts tokens = token_counts(model, w);
    s.makespan_s = makespan_s;
    if (!model.is_encoder()) {
        s.ttft_s = first_token_s;
        if (w.decode > 0) {
            // Generated tokens per request − 1 = decode: the tokens after the first.
            s.tpot_s = (makespan_s - first_token_s) / static_cast<double>(w.decode);
        }
    }
    s.tokens = tokens.processed;
    s.generated_tokens = tokens.generated;
    s.chip_utilization = std::move(utilization);
    return s;
}

stats::TimelineRow static_energy_row(std::uint32_t chip, std::int64_t makespan_ps, double pj) {
    stats::TimelineRow row;
    row.chip = chip;
    row.t_start_ps = 0;
    row.t_end_ps = makespan_ps;
    row.resource = stats::Resource::chip;
    row.phase = kStaticPhase;
    row.op_kind = kStaticOpKind;
    row.m = 0;
    row.n = 0;
    row.k = 0;
    row.energy[EnergyComponent::static_power] = pj;
    return row;
}

std::string own_command_line() {
    std::ifstream in("/proc/self/cmdline", std::ios::binary);
    std::string out;
    for (std::string arg; std::getline(in, arg, '\0');) {
        out += (out.empty() ? "" : " ") + arg;
    }
    return out.empty() ? std::string("lt-des") : out;
}

output::RunMetadata make_metadata(const workload::ModelShape& model,
                                  const workload::WorkloadSpec& w,
                                  const ChipArchs& archs,
                                  std::string config_yaml,
                                  std::vector<output::InputFile> inputs,
                                  unsigned threads) {
    output::RunMetadata m;
    m.command_line = own_command_line();
    m.threads_per_rank = threads;
    m.tbb_version = des::tbb_version();
    m.mpi_version = dist::mpi_build_version();
    m.config_yaml = std::move(config_yaml);
    m.inputs = std::move(inputs);
    for (auto& f : archs.input_files()) {
        m.inputs.push_back(std::move(f));
    }
    m.trace_summary = {{"model", model.name},
                       {"batch", std::to_string(w.batch)},
                       {"prompt", std::to_string(w.prompt)},
                       {"decode", std::to_string(w.decode)}};
    m.chips = archs.hardware();
    m.op_kind_names.assign(workload::kOpKindNames.begin(), workload::kOpKindNames.end());
    m.op_kind_names.emplace_back("static");
    m.phase_names.assign(workload::kPhaseNames.begin(), workload::kPhaseNames.end());
    m.phase_names.emplace_back("static");
    return m;
}

output::RankReport rank_report(const des::RunStats& stats, RankId rank) {
    const auto me = static_cast<std::size_t>(to_underlying(rank));
    const double sync_s = stats.sync_seconds_per_rank[me];
    output::RankReport report;
    report.events = stats.local_events;
    report.timings_s = {{"simulation", stats.local_wall_seconds},
                        {"compute", stats.local_wall_seconds - sync_s},
                        {"sync", sync_s}};
    report.windows = stats.windows_per_rank[me];
    report.rounds = stats.rounds;
    return report;
}

}  // namespace ltdes::sim
