// SPDX-License-Identifier: MIT
// `lt-des estimate` over many cases in one process (docs/commands.md, "Sweeps"): every
// combination of comma lists of archs, models and token counts, or the rows of a cases CSV,
// each costed like a single estimate and reported as one total.
#pragma once

#include "ltdes/cluster/cluster_spec.hpp"
#include "ltdes/sim/workload_source.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace ltdes::sim {

/// One case: a workload request and the arch it runs on.
struct SweepCase {
    std::string where;  ///< for messages: "cases.csv:4" or "case 3"
    WorkloadRequest request;
    std::string arch;  ///< arch YAML or built-in name; empty = the cluster's
};

/// The result of one case (the totals of a single `estimate` of it).
struct SweepRow {
    std::string model;
    std::string arch;
    std::uint32_t batch = 0;
    std::uint32_t prompt = 0;  ///< encoder tokens or decoder prompt
    std::uint32_t decode = 0;
    std::uint64_t ops = 0;  ///< ops costed
    double energy_mj = 0.0;
    double latency_ms = 0.0;
};

/// The column names of a cases CSV.
inline constexpr const char* kSweepCaseColumns =
    "model, hf_config, arch, tokens, prompt, decode, batch";

/// Reads a cases CSV: a header naming some of kSweepCaseColumns, then one case per line (no
/// quoting; blank lines and lines starting with '#' are skipped). An empty cell takes the value
/// of `defaults` (the command line's single values). Throws UsageError
/// "<path>:<line>: column 'prompt': expected an integer, got 'x'" for a bad cell, an unknown
/// column or a row with the wrong number of cells.
std::vector<SweepCase> read_sweep_cases(const std::string& path, const SweepCase& defaults);

/// Resolves every case first (an error names the case: "<where>: <message>", exit 2 before any
/// row is costed), loads each distinct arch once on `cluster`'s DRAM with `opt`, then costs the
/// cases one by one. Rows are in case order and each total equals the single estimate's.
std::vector<SweepRow> run_sweep(const std::vector<SweepCase>& cases,
                                const cluster::ClusterSpec& cluster,
                                const std::string& opt);

}  // namespace ltdes::sim
