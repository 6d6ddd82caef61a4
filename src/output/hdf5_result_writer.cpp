// SPDX-License-Identifier: MIT
#include "ltdes/output/hdf5_result_writer.hpp"

#include "output/column_table_writer.hpp"
#include "output/columns.hpp"
#include "output/h5/h5.hpp"
#include "output/mpi_util.hpp"
#include "output/row_spool.hpp"
#include "output/shared_meta.hpp"

#include "ltdes/core/assert.hpp"
#include "ltdes/core/error.hpp"
#include "ltdes/core/version.hpp"
#include "ltdes/output/build_info.hpp"
#include "ltdes/output/output_path.hpp"
#include "ltdes/stats/resource.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <map>

namespace ltdes::output {

namespace {

namespace fs = std::filesystem;
using stats::LayerStats;
using stats::TimelineRow;

std::vector<std::string_view> views(const std::vector<std::string>& v) {
    return {v.begin(), v.end()};
}

}  // namespace

class Hdf5ResultWriter::Impl {
public:
    explicit Impl(Hdf5WriterOptions options) : opt_(std::move(options)) {
        int initialised = 0;
        MPI_Initialized(&initialised);
        LTDES_ASSERT(initialised != 0, "Hdf5ResultWriter needs MPI to be initialised");
        check_output_path(opt_.path, opt_.force);
        rank_ = mpi::rank();
        size_ = mpi::size();
        const fs::path dir = !opt_.spill_dir.empty()       ? opt_.spill_dir
                             : opt_.path.has_parent_path() ? opt_.path.parent_path()
                                                           : fs::path(".");
        SpoolLimits limits;
        limits.memory_rows = opt_.memory_rows;
        spool_ = std::make_unique<RowSpool>(
            dir, fmt::format(".{}.r{}", opt_.path.filename().string(), rank_), limits);
        h5::silence_errors();
    }

    void add_row(const TimelineRow& row) {
        LTDES_ASSERT(spool_ != nullptr, "Hdf5ResultWriter::add_row after finish()");
        if (opt_.write_timeline) {
            spool_->add(row);
        }
        chip_min_ = std::min<std::uint64_t>(chip_min_, row.chip);
        chip_max_ = std::max<std::uint64_t>(chip_max_, row.chip);
    }

    void add_layer_stats(const LayerStats& partial) { partials_.push_back(partial); }

    void set_extra(ExtraOutput extra) { extra_ = std::move(extra); }

    void finish(const RunMetadata& meta,
                const stats::RunSummary& summary,
                const RankReport& report);

    void fail(const RunMetadata& meta, std::string_view reason, std::string_view status);

private:
    struct Prepared {
        SharedMeta meta;
        std::vector<std::uint64_t> counts;  // timeline rows per rank
        std::uint64_t offset = 0;           // first row of this rank
        std::uint64_t total = 0;
        std::map<std::uint8_t, std::vector<LayerStats>> layers;  // by phase, ordered by layer
        EnergyPj energy;                                         // whole run, pJ
        std::string summary_bytes;                               // rank 0's summary
        std::vector<std::uint64_t> events;
        std::vector<std::uint64_t> windows;
        std::uint64_t rounds = 0;
        std::vector<std::string> timing_names;
        std::vector<double> timings;  // rank-major
    };

    Prepared prepare(const RunMetadata& meta,
                     const stats::RunSummary& summary,
                     const RankReport& report);
    void write_root(hid_t file, const SharedMeta& m, std::string_view status);
    void write_metadata(hid_t file, const Prepared& p);
    void write_timeline(hid_t file, const Prepared& p);
    void write_layers(hid_t file, const Prepared& p);
    void write_summary(hid_t file, const Prepared& p);
    void publish();
    /// Collective: flushes and closes `file`, setting `status = complete` first when
    /// `complete`; throws OutputError on every rank, the file removed, when that fails.
    void close_agreed(h5::Handle& file, bool complete);

    bool writer() const { return rank_ == 0; }

    Hdf5WriterOptions opt_;
    int rank_ = 0;
    int size_ = 1;
    std::unique_ptr<RowSpool> spool_;
    std::vector<LayerStats> partials_;
    std::uint64_t chip_min_ = UINT64_MAX;
    std::uint64_t chip_max_ = 0;
    EnumTypes enums_;
    ExtraOutput extra_;
};

Hdf5ResultWriter::Impl::Prepared Hdf5ResultWriter::Impl::prepare(const RunMetadata& meta,
                                                                 const stats::RunSummary& summary,
                                                                 const RankReport& report) {
    Prepared p;
    std::string error;
    try {
        spool_->finish_input();
    } catch (const std::exception& e) {
        error = e.what();
    }
    mpi::agree_or_throw(error);
    p.meta = share_meta(meta);

    p.counts = mpi::allgather(spool_->size());
    for (int r = 0; r < size_; ++r) {
        const auto c = p.counts[static_cast<std::size_t>(r)];
        p.offset += r < rank_ ? c : 0;
        p.total += c;
    }
    // The concatenation of the ranks' sorted rows is globally sorted only when chips are owned
    // in ascending blocks; check it rather than write a silently misordered file.
    const auto mins = mpi::allgather(chip_min_);
    const auto maxs = mpi::allgather(chip_max_);
    std::uint64_t last_max = 0;
    bool any = false;
    for (std::size_t r = 0; r < mins.size(); ++r) {
        if (mins[r] == UINT64_MAX) {
            continue;
        }
        LTDES_ASSERT(!any || mins[r] > last_max,
                     "Hdf5ResultWriter: rank {} holds chip {} but an earlier rank holds chip {}; "
                     "chips must be owned in ascending blocks",
                     r, mins[r], last_max);
        last_max = maxs[r];
        any = true;
    }

    // Layer partials of all chips, reduced in (phase, layer, chip) order on every rank.
    mpi::Packer pk;
    for (const auto& l : partials_) {
        pk.put(l);
    }
    const std::string all = mpi::allgatherv(pk.bytes());
    std::vector<LayerStats> parts(all.size() / sizeof(LayerStats));
    std::memcpy(parts.data(), all.data(), parts.size() * sizeof(LayerStats));
    std::sort(parts.begin(), parts.end(), [](const LayerStats& a, const LayerStats& b) {
        return std::tuple(a.phase, a.layer, a.chip) < std::tuple(b.phase, b.layer, b.chip);
    });
    for (const auto& part : parts) {
        auto& v = p.layers[part.phase];
        if (v.empty() || v.back().layer != part.layer) {
            LayerStats first = part;
            first.chip = 0;
            v.push_back(first);
        } else {
            v.back().merge(part);
        }
    }
    for (const auto& [phase, rows] : p.layers) {
        LTDES_ASSERT(phase < p.meta.meta.phase_names.size(),
                     "Hdf5ResultWriter: phase value {} has no name", phase);
        for (const auto& l : rows) {
            p.energy += l.energy;
        }
    }

    mpi::Packer sp;
    sp.put(summary.makespan_s);
    sp.put(summary.ttft_s);
    sp.put(summary.tpot_s);
    sp.put(summary.tokens);
    sp.put(summary.generated_tokens);
    sp.put<std::uint64_t>(summary.chip_utilization.size());
    for (double u : summary.chip_utilization) {
        sp.put(u);
    }
    p.summary_bytes = std::move(sp.bytes());
    mpi::bcast(p.summary_bytes);

    p.events = mpi::allgather(report.events);
    p.windows = mpi::allgather(report.windows);
    p.rounds = report.rounds;
    // Timing names come from rank 0; every rank must report the same list.
    mpi::Packer names;
    for (const auto& [name, v] : report.timings_s) {
        names.put_string(name);
    }
    std::string name_bytes = names.bytes();
    mpi::bcast(name_bytes);
    mpi::Unpacker nu(name_bytes);
    while (!nu.done()) {
        p.timing_names.push_back(nu.get_string());
    }
    const auto n_timings = mpi::allreduce_max(report.timings_s.size());
    LTDES_ASSERT(n_timings == p.timing_names.size(),
                 "Hdf5ResultWriter: ranks report different timing lists");
    std::vector<double> mine;
    for (const auto& [name, v] : report.timings_s) {
        mine.push_back(v);
    }
    mine.resize(n_timings, 0.0);
    p.timings = mpi::allgather(mine);
    return p;
}

void Hdf5ResultWriter::Impl::write_root(hid_t file, const SharedMeta& m, std::string_view status) {
    h5::set_attr_string(file, "schema", kSchemaName);
    h5::set_attr_i64(file, "schema_version", kSchemaVersion);
    h5::set_attr_string(file, "software_version", version());
    h5::set_attr_string(file, "git_commit", git_commit());
    h5::set_attr_string(file, "command_line", m.meta.command_line);
    h5::set_attr_i64(file, "mpi_size", size_);
    h5::set_attr_i64(file, "threads_per_rank", m.meta.threads_per_rank);
    h5::set_attr_string(file, "hdf5_version", hdf5_version());
    h5::set_attr_string(file, "mpi_version", m.meta.mpi_version);
    h5::set_attr_string(file, "tbb_version", m.meta.tbb_version);
    h5::set_attr_string(file, "created", m.created);
    h5::set_attr_string(file, "status", status);
    h5::set_attr_string(file, "error", "");
}

void Hdf5ResultWriter::Impl::write_metadata(hid_t file, const Prepared& p) {
    const RunMetadata& m = p.meta.meta;
    h5::Handle g = h5::create_group(file, "metadata");
    h5::write_string_dataset(g.id(), "config", m.config_yaml, writer());

    h5::Handle inputs = h5::create_group(g.id(), "inputs");
    std::vector<std::string> roles;
    std::vector<std::string> paths;
    for (const auto& f : m.inputs) {
        roles.push_back(f.role);
        paths.push_back(f.path.string());
    }
    h5::set_attr_strings(inputs.id(), "role", roles);
    h5::set_attr_strings(inputs.id(), "path", paths);
    h5::set_attr_strings(inputs.id(), "sha256", p.meta.sha256);

    h5::Handle trace = h5::create_group(g.id(), "trace");
    for (const auto& [k, v] : m.trace_summary) {
        h5::set_attr_string(trace.id(), k, v);
    }

    h5::Handle enums = h5::create_group(g.id(), "enums");
    h5::set_attr_strings(
        enums.id(), "resource",
        std::vector<std::string>(stats::kResourceNames.begin(), stats::kResourceNames.end()));
    h5::set_attr_strings(enums.id(), "op_kind", m.op_kind_names);
    h5::set_attr_strings(enums.id(), "phase", m.phase_names);
    h5::set_attr_strings(
        enums.id(), "energy_component",
        std::vector<std::string>(kEnergyComponentNames.begin(), kEnergyComponentNames.end()));

    // Per-chip hardware.
    h5::Handle chips = h5::create_group(g.id(), "chips");
    using C = ChipHardware;
    std::vector<Column<C>> cc;
    cc.push_back(column<C, std::uint32_t>("chip", H5T_STD_U32LE, H5T_NATIVE_UINT32, "1", "chip id",
                                          [](const C& c) { return c.chip; }));
    cc.push_back(column<C, std::uint32_t>("tiles", H5T_STD_U32LE, H5T_NATIVE_UINT32, "1",
                                          "tiles per chip", [](const C& c) { return c.tiles; }));
    cc.push_back(column<C, std::uint32_t>("cores_per_tile", H5T_STD_U32LE, H5T_NATIVE_UINT32, "1",
                                          "cores per tile",
                                          [](const C& c) { return c.cores_per_tile; }));
    cc.push_back(column<C, std::uint32_t>("core_rows", H5T_STD_U32LE, H5T_NATIVE_UINT32, "1",
                                          "crossbar height H",
                                          [](const C& c) { return c.core_rows; }));
    cc.push_back(column<C, std::uint32_t>("core_cols", H5T_STD_U32LE, H5T_NATIVE_UINT32, "1",
                                          "crossbar width W",
                                          [](const C& c) { return c.core_cols; }));
    cc.push_back(column<C, std::uint32_t>("wavelengths", H5T_STD_U32LE, H5T_NATIVE_UINT32, "1",
                                          "WDM wavelengths",
                                          [](const C& c) { return c.wavelengths; }));
    cc.push_back(column<C, double>("freq", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, "GHz", "core clock",
                                   [](const C& c) { return c.freq_ghz; }));
    cc.push_back(column<C, std::uint32_t>("bits", H5T_STD_U32LE, H5T_NATIVE_UINT32, "bit",
                                          "input precision", [](const C& c) { return c.bits; }));
    write_small_table(chips.id(), cc, m.chips, writer());
    std::vector<std::string> arch;
    std::vector<std::string> core_type;
    for (const auto& c : m.chips) {
        arch.push_back(c.arch);
        core_type.push_back(c.core_type);
    }
    write_string_column(chips.id(), "arch", "arch name", arch, writer());
    write_string_column(chips.id(), "core_type", "core type", core_type, writer());

    // Per-rank facts: these differ with -n and so live here, never in the compared groups.
    struct RankRow {
        std::uint64_t rank, row_first, row_count, events, windows, rounds;
        std::vector<double> timings;
    };

    std::vector<RankRow> ranks;
    std::uint64_t first = 0;
    const std::size_t nt = p.timing_names.size();
    for (std::size_t r = 0; r < p.counts.size(); ++r) {
        ranks.push_back(
            {r, first, p.counts[r], p.events[r], p.windows[r], p.rounds,
             std::vector<double>(p.timings.begin() + static_cast<std::ptrdiff_t>(r * nt),
                                 p.timings.begin() + static_cast<std::ptrdiff_t>((r + 1) * nt))});
        first += p.counts[r];
    }
    using RR = RankRow;
    std::vector<Column<RR>> rc;
    rc.push_back(column<RR, std::uint64_t>("rank", H5T_STD_U64LE, H5T_NATIVE_UINT64, "1",
                                           "MPI rank", [](const RR& r) { return r.rank; }));
    rc.push_back(column<RR, std::uint64_t>("row_first", H5T_STD_U64LE, H5T_NATIVE_UINT64, "1",
                                           "first /timeline row written by the rank",
                                           [](const RR& r) { return r.row_first; }));
    rc.push_back(column<RR, std::uint64_t>("row_count", H5T_STD_U64LE, H5T_NATIVE_UINT64, "1",
                                           "/timeline rows written by the rank",
                                           [](const RR& r) { return r.row_count; }));
    rc.push_back(column<RR, std::uint64_t>("events", H5T_STD_U64LE, H5T_NATIVE_UINT64, "1",
                                           "DES events executed by the rank",
                                           [](const RR& r) { return r.events; }));
    rc.push_back(column<RR, std::uint64_t>("windows", H5T_STD_U64LE, H5T_NATIVE_UINT64, "1",
                                           "DES windows executed by the rank",
                                           [](const RR& r) { return r.windows; }));
    rc.push_back(column<RR, std::uint64_t>("rounds", H5T_STD_U64LE, H5T_NATIVE_UINT64, "1",
                                           "synchronisation rounds of the run",
                                           [](const RR& r) { return r.rounds; }));
    for (std::size_t t = 0; t < nt; ++t) {
        rc.push_back(column<RR, double>(p.timing_names[t] + "_s", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE,
                                        "s", "wall-clock time of " + p.timing_names[t],
                                        [t](const RR& r) { return r.timings[t]; }));
    }
    h5::Handle rg = h5::create_group(g.id(), "ranks");
    write_small_table(rg.id(), rc, ranks, writer());
}

void Hdf5ResultWriter::Impl::write_timeline(hid_t file, const Prepared& p) {
    h5::Handle g = h5::create_group(file, "timeline");
    h5::Handle energy = h5::create_group(g.id(), "energy");
    const auto cols = timeline_columns(enums_);
    std::vector<h5::Handle> dsets;
    for (const auto& col : cols) {
        h5::Handle d =
            h5::create_dataset_1d(g.id(), col.name, col.file_type, p.total,
                                  h5::DatasetLayout{opt_.chunk_rows, opt_.deflate_level});
        describe(d.id(), col.units, col.long_name);
        dsets.push_back(std::move(d));
    }
    h5::set_attr_string(g.id(), "order", "chip, t_start, op_id, resource");
    // Never empty (an empty string dataset cannot be written): runs without ops, such as
    // request traces, still name the static row.
    const std::vector<std::string>& names = p.meta.meta.op_names;
    write_string_column(g.id(), "op_names", "op names (index = op_name)",
                        names.empty() ? std::vector<std::string>{"static"} : names, writer());
    // Writes are cut at multiples of `block` rows in file coordinates (a block is a chunk by
    // default), so each chunk is compressed once and only chunks at rank boundaries are shared.
    // Every rank makes the same number of collective calls; ranks with fewer join the
    // remaining ones with empty selections.
    const std::uint64_t block = opt_.write_rows;
    const std::uint64_t count = spool_->size();
    const std::uint64_t mine =
        count == 0 ? 0 : (p.offset + count - 1) / block - p.offset / block + 1;
    const std::uint64_t calls = mpi::allreduce_max(mine);
    std::vector<TimelineRow> rows(static_cast<std::size_t>(std::min(block, count)));
    std::vector<std::byte> buf;
    std::uint64_t written = 0;
    for (std::uint64_t call = 0; call < calls; ++call) {
        const std::uint64_t pos = p.offset + written;
        const auto want = static_cast<std::size_t>(std::min(count - written, block - pos % block));
        // Reading the spill files is local and can fail on one rank only; the ranks agree
        // first, so nobody is left waiting inside the collective write below.
        std::size_t n = 0;
        std::string error;
        try {
            n = want == 0 ? 0 : spool_->next(std::span(rows).first(want));
            if (n != want) {
                error = fmt::format("Hdf5ResultWriter: the row spool gave {} of {} rows", n, want);
            }
        } catch (const std::exception& e) {
            error = e.what();
        }
        mpi::agree_or_throw(error);
        for (std::size_t c = 0; c < cols.size(); ++c) {
            buf.resize(std::max<std::size_t>(n, 1) * cols[c].value_bytes);
            for (std::size_t i = 0; i < n; ++i) {
                cols[c].get(rows[i], buf.data() + i * cols[c].value_bytes);
            }
            h5::write_slab(dsets[c].id(), cols[c].mem_type, pos, n, buf.data());
        }
        written += n;
    }
    LTDES_ASSERT(written == spool_->size(), "Hdf5ResultWriter: wrote {} of {} rows", written,
                 spool_->size());
}

void Hdf5ResultWriter::Impl::write_layers(hid_t file, const Prepared& p) {
    h5::Handle g = h5::create_group(file, "layers");
    const auto cols = layer_columns();
    for (const auto& [phase, rows] : p.layers) {
        h5::Handle pg = h5::create_group(g.id(), p.meta.meta.phase_names[phase]);
        h5::Handle eg = h5::create_group(pg.id(), "energy");
        write_small_table(pg.id(), cols, rows, writer());
    }
}

void Hdf5ResultWriter::Impl::write_summary(hid_t file, const Prepared& p) {
    h5::Handle g = h5::create_group(file, "summary");
    mpi::Unpacker u(p.summary_bytes);
    const auto makespan = u.get<double>();
    const auto ttft = u.get<double>();
    const auto tpot = u.get<double>();
    const auto tokens = u.get<std::uint64_t>();
    const auto generated = u.get<std::uint64_t>();
    std::vector<double> util(u.get<std::uint64_t>());
    for (double& x : util) {
        x = u.get<double>();
    }
    const double total_j = p.energy.total() * kJoulePerPicojoule;
    h5::set_attr_f64(g.id(), "makespan_s", makespan);
    h5::set_attr_f64(g.id(), "ttft_s", ttft);
    h5::set_attr_f64(g.id(), "tpot_s", tpot);
    h5::set_attr_i64(g.id(), "tokens", static_cast<std::int64_t>(tokens));
    h5::set_attr_i64(g.id(), "generated_tokens", static_cast<std::int64_t>(generated));
    h5::set_attr_f64(g.id(), "energy_J", total_j);
    h5::set_attr_f64(g.id(), "energy_per_processed_token_J", stats::per_token(total_j, tokens));
    h5::set_attr_f64(g.id(), "energy_per_generated_token_J", stats::per_token(total_j, generated));
    for (std::size_t i = 0; i < kNumEnergyComponents; ++i) {
        h5::set_attr_f64(g.id(), fmt::format("energy_{}_J", kEnergyComponentNames[i]),
                         p.energy.pj[i] * kJoulePerPicojoule);
    }
    // A dataset, not an attribute: past ~8000 chips an attribute overflows the group's object
    // header (64 KiB) and the file could not be finished.
    h5::Handle dset = h5::create_dataset_1d(g.id(), "chip_utilization", H5T_IEEE_F64LE, util.size(),
                                            h5::DatasetLayout{});
    h5::set_attr_string(dset.id(), "long_name", "busy time / makespan per chip id");
    h5::set_attr_string(dset.id(), "units", "1");
    if (!util.empty()) {  // every rank has the same size; HDF5 cannot write into 0 elements
        h5::write_slab(dset.id(), H5T_NATIVE_DOUBLE, 0, writer() ? util.size() : 0, util.data());
    }
    for (const auto& [name, v] : extra_.summary_f64) {
        h5::set_attr_f64(g.id(), name, v);
    }
    for (const auto& [name, v] : extra_.summary_i64) {
        h5::set_attr_i64(g.id(), name, v);
    }
}

void Hdf5ResultWriter::Impl::publish() {
    // Only rank 0 touches the names; the others learn the outcome.
    std::string error;
    if (writer()) {
        std::error_code ec;
        if (fs::exists(opt_.path, ec) && !opt_.force) {
            error = fmt::format(
                "{}: appeared during the run; left untouched, the result stays "
                "in {}",
                opt_.path.string(), partial_path(opt_.path).string());
        } else {
            fs::rename(partial_path(opt_.path), opt_.path, ec);
            if (ec) {
                error = fmt::format("{}: cannot rename the finished result into place: {}",
                                    opt_.path.string(), ec.message());
            }
        }
    }
    mpi::agree_or_throw(error);
}

void Hdf5ResultWriter::Impl::close_agreed(h5::Handle& file, bool complete) {
    // Every rank learns each step's outcome, so none waits alone in a collective call. A
    // metadata flush that fails on a full disk cannot be allowed to happen: HDF5 1.10 then
    // leaves its ranks in different barriers (a deadlock), and a failed H5Fclose leaves a
    // half-closed file that crashes MPI_Finalize. So rank 0 first checks that the disk has room
    // for the cached metadata; when it has not (or the flush fails all the same), rank 0
    // truncates the file to 0 bytes, which frees its space even while open, the close then has
    // room to write, and the file goes: no file may claim `status = complete` over missing data.
    constexpr std::uint64_t kMarginBytes = std::uint64_t{1} << 20;
    const fs::path partial = partial_path(opt_.path);
    std::string error;
    if (writer()) {
        try {
            const std::uint64_t need = h5::cached_metadata_bytes(file.id()) + kMarginBytes;
            std::error_code ec;
            const fs::space_info space = fs::space(fs::absolute(partial).parent_path(), ec);
            if (!ec && space.available < need) {
                error = fmt::format("the disk is full: {} bytes free, closing needs up to {}",
                                    space.available, need);
            }
        } catch (const std::exception& e) {
            error = e.what();
        }
    }
    std::string agreed = mpi::agree(error);
    if (agreed.empty()) {
        try {
            h5::flush_file(file.id());
        } catch (const std::exception& e) {
            error = e.what();
        }
        agreed = mpi::agree(error);
    }
    if (!agreed.empty() && writer()) {
        std::error_code ec;
        fs::resize_file(partial, 0, ec);
    }
    error.clear();
    try {
        mpi::agree(error);  // the truncation is done before any rank writes again
        if (agreed.empty() && complete) {
            h5::set_attr_string(file.id(), "status", "complete");
        }
        file.close();
    } catch (const std::exception& e) {
        error = e.what();
    }
    const std::string closing = mpi::agree(error);
    if (agreed.empty()) {
        agreed = closing;
    }
    if (agreed.empty()) {
        return;
    }
    if (writer()) {
        std::error_code ec;
        fs::remove(partial, ec);
    }
    throw OutputError(
        fmt::format("{}: cannot finish the result file ({}); the unfinished file was removed",
                    partial.string(), agreed));
}

void Hdf5ResultWriter::Impl::finish(const RunMetadata& meta,
                                    const stats::RunSummary& summary,
                                    const RankReport& report) {
    LTDES_ASSERT(spool_ != nullptr, "Hdf5ResultWriter::finish called twice");
    Prepared p = prepare(meta, summary, report);
    enums_.resource = h5::enum_u8_type(stats::kResourceNames);
    const auto kinds = views(p.meta.meta.op_kind_names);
    const auto phases = views(p.meta.meta.phase_names);
    enums_.op_kind = h5::enum_u8_type(kinds);
    enums_.phase = h5::enum_u8_type(phases);

    h5::Handle file = h5::create_file_mpio(partial_path(opt_.path).string(), MPI_COMM_WORLD);
    try {
        write_root(file.id(), p.meta, "partial");
        write_metadata(file.id(), p);
        write_timeline(file.id(), p);
        write_layers(file.id(), p);
        write_summary(file.id(), p);
        for (const ColumnTable& t : extra_.tables) {
            write_column_table(file.id(), t, writer());
        }
        close_agreed(file, true);
    } catch (const std::exception& e) {
        // The ranks got here together (each collective write agrees on its outcome). Best
        // effort: the partial file says why it is not complete, or goes when it cannot be
        // closed; the first error is the one reported.
        if (file.valid()) {
            try {
                h5::set_attr_string(file.id(), "status", "failed");
                h5::set_attr_string(file.id(), "error", e.what());
            } catch (...) {  // NOLINT(bugprone-empty-catch): already failing
            }
            try {
                close_agreed(file, false);
            } catch (...) {  // NOLINT(bugprone-empty-catch): already failing
            }
        }
        throw;
    }
    // Spill files go before the collective publish, so when finish() returns on any rank no
    // rank has any left.
    spool_.reset();
    publish();
}

void Hdf5ResultWriter::Impl::fail(const RunMetadata& meta,
                                  std::string_view reason,
                                  std::string_view status) {
    const SharedMeta m = share_meta(meta);
    std::string why(reason);
    mpi::Packer pk;
    pk.put_string(why);
    mpi::bcast(pk.bytes());
    why = mpi::Unpacker(pk.bytes()).get_string();
    spool_.reset();  // no spill file outlives a failed run
    try {
        h5::Handle file = h5::create_file_mpio(partial_path(opt_.path).string(), MPI_COMM_WORLD);
        write_root(file.id(), m, status);
        h5::set_attr_string(file.id(), "error", why);
        close_agreed(file, false);
    } catch (const std::exception&) {  // NOLINT(bugprone-empty-catch)
        // The run's own error is the one to report; a file that could not be closed is gone.
    }
}

Hdf5ResultWriter::Hdf5ResultWriter(Hdf5WriterOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}

Hdf5ResultWriter::~Hdf5ResultWriter() = default;

void Hdf5ResultWriter::add_row(const TimelineRow& row) {
    impl_->add_row(row);
}

void Hdf5ResultWriter::add_layer_stats(const LayerStats& partial) {
    impl_->add_layer_stats(partial);
}

void Hdf5ResultWriter::set_extra(ExtraOutput extra) {
    impl_->set_extra(std::move(extra));
}

void Hdf5ResultWriter::finish(const RunMetadata& meta,
                              const stats::RunSummary& summary,
                              const RankReport& report) {
    impl_->finish(meta, summary, report);
}

void Hdf5ResultWriter::fail(const RunMetadata& meta, std::string_view reason) {
    impl_->fail(meta, reason, "failed");
}

void Hdf5ResultWriter::interrupt(const RunMetadata& meta, std::string_view reason) {
    impl_->fail(meta, reason, "interrupted");
}

}  // namespace ltdes::output
