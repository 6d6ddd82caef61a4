// SPDX-License-Identifier: MIT
// External sort of one rank's timeline rows: rows arrive in completion order, the file wants
// them in (chip, t_start, op_id, resource) order. Memory stays bounded however many rows come:
// at most `memory_rows` are buffered, then sorted and spilled as a run file; reading merges at
// most `fan_in` runs at a time (earlier passes merge groups of runs into bigger runs).
#pragma once

#include "ltdes/stats/timeline_row.hpp"

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace ltdes::output {

/// Total order used by the spool: the `/timeline` order, then every remaining field, so that
/// the output order never depends on where buffers were cut.
bool row_less(const stats::TimelineRow& a, const stats::TimelineRow& b);

/// Sizes of the spool; defaults keep one rank under ~40 MB whatever the row count.
struct SpoolLimits {
    std::size_t memory_rows = std::size_t{1} << 16;  ///< rows buffered before a spill
    std::size_t fan_in = 32;                         ///< runs merged at once
    std::size_t read_rows = 2048;                    ///< rows buffered per run while merging
};

/// Not thread-safe; one spool per rank.
class RowSpool {
public:
    /// Spill files are created as `<dir>/<stem>.<n>.spill` and unlinked at once: they live on
    /// as open, nameless files, so no end of the process (a second signal, SIGKILL) leaves one
    /// behind. The name only appears in messages and, on Linux, in `/proc/<pid>/fd`.
    RowSpool(std::filesystem::path dir, std::string stem, SpoolLimits limits = {});
    ~RowSpool();
    RowSpool(const RowSpool&) = delete;
    RowSpool& operator=(const RowSpool&) = delete;

    /// Appends one row (any order). Throws OutputError when a spill cannot be written.
    void add(const stats::TimelineRow& row);

    /// Rows added so far.
    std::uint64_t size() const { return total_rows_; }

    /// Ends input and prepares the sorted read.
    void finish_input();

    /// Copies the next rows in row_less order into `out`; returns how many (0 at the end).
    std::size_t next(std::span<stats::TimelineRow> out);

    /// Spill files written so far (including merge passes).
    std::size_t runs_written() const { return runs_written_; }

private:
    class RunReader;

    /// Closes a spill file (its space is freed then: it has no name).
    struct FileCloser {
        void operator()(std::FILE* f) const { std::fclose(f); }
    };

    /// One sorted run: an open spill file with no name, and the name it was created under.
    struct Run {
        std::unique_ptr<std::FILE, FileCloser> file;
        std::filesystem::path name;
    };

    Run create_spill();
    static RunReader* smallest(std::span<const std::unique_ptr<RunReader>> readers);
    Run spill_run(std::span<const stats::TimelineRow> rows);
    Run merge_runs(std::span<Run> runs);

    std::filesystem::path dir_;
    std::string stem_;
    SpoolLimits limits_;
    std::vector<stats::TimelineRow> buffer_;
    std::vector<Run> runs_;
    std::uint64_t total_rows_ = 0;
    std::size_t runs_written_ = 0;
    bool reading_ = false;
    /// Test hook: LTDES_FAULT_SPILL_WRITE=<rank> makes this MPI rank spill at its first row and
    /// that spill write fail as on a full disk (tests/mpi: a failure while draining rows).
    bool fault_ = false;
    std::size_t memory_pos_ = 0;  // read position when everything fitted in memory
    std::vector<std::unique_ptr<RunReader>> readers_;
};

}  // namespace ltdes::output
