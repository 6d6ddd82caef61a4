// SPDX-License-Identifier: MIT
#pragma once

#include "ltdes/output/column_table.hpp"
#include "ltdes/output/result_writer.hpp"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>

namespace ltdes::output {

/// Options of an Hdf5ResultWriter.
struct Hdf5WriterOptions {
    std::filesystem::path path;       ///< final name of the result file
    bool force = false;               ///< replace an existing file at `path`
    bool write_timeline = true;       ///< false for `--timeline layers|none`: /timeline stays empty
    std::filesystem::path spill_dir;  ///< folder for the row spill files; empty = that of `path`
    std::size_t memory_rows = std::size_t{1} << 16;     ///< rows buffered per rank before a spill
    std::uint64_t chunk_rows = std::uint64_t{1} << 17;  ///< rows per chunk (1 MiB of int64)
    std::uint64_t write_rows = std::uint64_t{1} << 17;  ///< most rows per collective write call
    int deflate_level = 1;  ///< zlib level of /timeline (1: fast; shuffle does most of the work)
};

/// The schema of docs/output.md written with parallel HDF5 on MPI_COMM_WORLD (every rank of
/// the job takes part; MPI must be initialised, e.g. by dist::MpiSession). Rows are spilled to
/// sorted run files as they come, so memory per rank is bounded; finish() merges them and writes
/// `/timeline` in (chip, t_start, op_id, resource) order. Chips must be owned by ranks in
/// ascending contiguous blocks (rank r's chips all below rank r+1's). HDF5 is only called from
/// the thread that calls finish()/fail().
class Hdf5ResultWriter final : public ResultWriter {
public:
    /// Not collective. Checks the path (check_output_path) and throws OutputError when it
    /// cannot become the result file.
    explicit Hdf5ResultWriter(Hdf5WriterOptions options);
    ~Hdf5ResultWriter() override;
    Hdf5ResultWriter(const Hdf5ResultWriter&) = delete;
    Hdf5ResultWriter& operator=(const Hdf5ResultWriter&) = delete;

    void add_row(const stats::TimelineRow& row) override;
    void add_layer_stats(const stats::LayerStats& partial) override;

    /// Tables and /summary attributes written by finish() after the fixed groups; every rank
    /// passes the same (rank 0 writes the rows).
    void set_extra(ExtraOutput extra);
    void finish(const RunMetadata& meta,
                const stats::RunSummary& summary,
                const RankReport& report) override;
    void fail(const RunMetadata& meta, std::string_view reason) override;

    /// Collective, like fail(): the run was stopped by a signal. Leaves `<out>.partial` with
    /// `@status = interrupted` and `@error = reason`; the spill files go with the writer.
    void interrupt(const RunMetadata& meta, std::string_view reason);

    /// The schema name and version stored in the root attributes.
    static constexpr std::string_view kSchemaName = "lt-des-result";
    static constexpr std::int64_t kSchemaVersion = 1;

private:
    class Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace ltdes::output
