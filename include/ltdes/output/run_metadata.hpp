// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ltdes::output {

/// An input file of the run; the writer records its SHA-256 in `/metadata/inputs`.
struct InputFile {
    std::string role;  ///< "trace", "arch", "cluster", "hf-config", ...
    std::filesystem::path path;
};

/// One row of `/metadata/chips`: the hardware a chip simulates.
struct ChipHardware {
    std::uint32_t chip = 0;
    std::string arch;       ///< arch name or file stem, e.g. "dota_b_4bit"
    std::string core_type;  ///< "dota", "mrrbank", "mzi"
    std::uint32_t tiles = 0;
    std::uint32_t cores_per_tile = 0;
    std::uint32_t core_rows = 0;  ///< H of an H x W crossbar
    std::uint32_t core_cols = 0;  ///< W
    std::uint32_t wavelengths = 0;
    double freq_ghz = 0.0;
    std::uint32_t bits = 0;  ///< input precision, bits
};

/// Everything about a run except its results. Every rank passes the same values (the
/// writer takes rank 0's copy of the strings that could differ, such as the creation time).
struct RunMetadata {
    std::string command_line;
    unsigned threads_per_rank = 1;
    std::string tbb_version;  ///< from des::tbb_version() (output does not link TBB)
    std::string mpi_version;  ///< from dist::mpi_build_version() (output may not use dist)
    std::string config_yaml;  ///< the resolved configuration (`--dump-config` text)
    std::vector<InputFile> inputs;
    std::vector<std::pair<std::string, std::string>> trace_summary;  ///< key, value
    std::vector<ChipHardware> chips;
    std::vector<std::string> op_kind_names;  ///< workload::kOpKindNames, as data
    std::vector<std::string> phase_names;    ///< workload::kPhaseNames, as data
    std::vector<std::string> op_names;       ///< workload::OpNameTable: /timeline/op_names
};

/// What one rank did: written to `/metadata/ranks` (never to the deterministic groups).
struct RankReport {
    std::vector<std::pair<std::string, double>> timings_s;  ///< same names on every rank
    std::uint64_t events = 0;                               ///< DES events executed
    std::uint64_t windows = 0;                              ///< local DES windows the rank executed
    std::uint64_t rounds = 0;  ///< synchronisation rounds (the same on every rank)
};

}  // namespace ltdes::output
