// SPDX-License-Identifier: MIT
#include "output/row_spool.hpp"

#include "ltdes/core/assert.hpp"
#include "ltdes/core/error.hpp"

#include <fmt/format.h>

// The C API only: the spool's unit tests link no MPI C++ bindings.
#define OMPI_SKIP_MPICXX 1
#include <mpi.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <string>
#include <system_error>
#include <tuple>
#include <unistd.h>

namespace ltdes::output {

namespace fs = std::filesystem;
using stats::TimelineRow;

namespace {

/// errno as text, thread-safely (std::strerror is not).
std::string errno_text() {
    return std::error_code(errno, std::generic_category()).message();
}

}  // namespace

bool row_less(const TimelineRow& a, const TimelineRow& b) {
    return stats::timeline_less(a, b);
}

/// Buffered sequential reader of one sorted run file; owns the run, so destroying the reader
/// closes the file and frees its space.
class RowSpool::RunReader {
public:
    RunReader(Run run, std::size_t buffer_rows) : run_(std::move(run)), buffer_(buffer_rows) {
        if (std::fseek(run_.file.get(), 0, SEEK_SET) != 0) {
            throw OutputError(fmt::format("{}: cannot rewind a spill file: {}", run_.name.string(),
                                          errno_text()));
        }
        refill();
    }

    RunReader(const RunReader&) = delete;
    RunReader& operator=(const RunReader&) = delete;

    bool empty() const { return pos_ == end_; }

    const TimelineRow& front() const { return buffer_[pos_]; }

    void pop() {
        if (++pos_ == end_) {
            refill();
        }
    }

private:
    void refill() {
        pos_ = 0;
        end_ = std::fread(buffer_.data(), sizeof(TimelineRow), buffer_.size(), run_.file.get());
        if (end_ == 0 && std::ferror(run_.file.get()) != 0) {
            throw OutputError(fmt::format("{}: cannot read a spill file", run_.name.string()));
        }
    }

    Run run_;
    std::vector<TimelineRow> buffer_;
    std::size_t pos_ = 0;
    std::size_t end_ = 0;
};

RowSpool::RowSpool(fs::path dir, std::string stem, SpoolLimits limits)
    : dir_(std::move(dir)), stem_(std::move(stem)), limits_(limits) {
    LTDES_ASSERT(limits_.memory_rows > 0 && limits_.fan_in >= 2 && limits_.read_rows > 0,
                 "RowSpool: bad limits");
    buffer_.reserve(limits_.memory_rows);
    if (const char* rank = std::getenv("LTDES_FAULT_SPILL_WRITE"); rank != nullptr) {
        int initialized = 0;
        int me = 0;
        MPI_Initialized(&initialized);
        if (initialized != 0) {
            MPI_Comm_rank(MPI_COMM_WORLD, &me);
        }
        fault_ = std::to_string(me) == rank;
    }
}

RowSpool::~RowSpool() = default;

void RowSpool::add(const TimelineRow& row) {
    LTDES_ASSERT(!reading_, "RowSpool::add after finish_input");
    buffer_.push_back(row);
    ++total_rows_;
    if (buffer_.size() == limits_.memory_rows || fault_) {
        std::sort(buffer_.begin(), buffer_.end(), row_less);
        runs_.push_back(spill_run(buffer_));
        buffer_.clear();
    }
}

namespace {

/// Flushes a spill file's writes and throws when any write or the flush failed (a full disk).
/// The file stays open: it has no name, closing it would lose it.
void flush_spill(std::FILE* f, bool wrote_all, const fs::path& name) {
    const bool flushed = std::fflush(f) == 0;
    if (!wrote_all || !flushed) {
        throw OutputError(fmt::format("{}: cannot write a spill file (disk full?)", name.string()));
    }
}

}  // namespace

RowSpool::Run RowSpool::create_spill() {
    Run run;
    run.name = dir_ / fmt::format("{}.{}.spill", stem_, runs_written_++);
    run.file.reset(std::fopen(run.name.c_str(), "w+b"));
    if (run.file == nullptr) {
        throw OutputError(
            fmt::format("{}: cannot create a spill file: {}", run.name.string(), errno_text()));
    }
    // Unlinked while open: the data stay reachable through the stream, the name is gone, and
    // the kernel frees the space when the stream is closed or the process ends, however it ends.
    if (::unlink(run.name.c_str()) != 0) {
        throw OutputError(
            fmt::format("{}: cannot unlink a spill file: {}", run.name.string(), errno_text()));
    }
    return run;
}

RowSpool::RunReader* RowSpool::smallest(std::span<const std::unique_ptr<RunReader>> readers) {
    RunReader* best = nullptr;
    for (const auto& r : readers) {
        if (!r->empty() && (best == nullptr || row_less(r->front(), best->front()))) {
            best = r.get();
        }
    }
    return best;
}

RowSpool::Run RowSpool::spill_run(std::span<const TimelineRow> rows) {
    Run run = create_spill();
    const bool ok = !fault_ && std::fwrite(rows.data(), sizeof(TimelineRow), rows.size(),
                                           run.file.get()) == rows.size();
    flush_spill(run.file.get(), ok, run.name);
    return run;
}

RowSpool::Run RowSpool::merge_runs(std::span<Run> runs) {
    std::vector<std::unique_ptr<RunReader>> readers;
    for (auto& r : runs) {
        readers.push_back(std::make_unique<RunReader>(std::move(r), limits_.read_rows));
    }
    std::vector<TimelineRow> out;
    out.reserve(limits_.read_rows);
    Run merged = create_spill();
    std::FILE* f = merged.file.get();
    bool ok = true;
    for (RunReader* best = smallest(readers); best != nullptr; best = smallest(readers)) {
        out.push_back(best->front());
        best->pop();
        if (out.size() == limits_.read_rows) {
            ok = ok && std::fwrite(out.data(), sizeof(TimelineRow), out.size(), f) == out.size();
            out.clear();
        }
    }
    ok = ok && std::fwrite(out.data(), sizeof(TimelineRow), out.size(), f) == out.size();
    flush_spill(f, ok, merged.name);
    return merged;  // the readers close (and so free) the merged inputs
}

void RowSpool::finish_input() {
    LTDES_ASSERT(!reading_, "RowSpool::finish_input called twice");
    reading_ = true;
    std::sort(buffer_.begin(), buffer_.end(), row_less);
    if (runs_.empty()) {
        return;  // everything fits in memory: serve from the buffer
    }
    if (!buffer_.empty()) {
        runs_.push_back(spill_run(buffer_));
    }
    buffer_.clear();
    buffer_.shrink_to_fit();
    // Merge passes keep the number of open runs (and their read buffers) at most fan_in.
    while (runs_.size() > limits_.fan_in) {
        std::vector<Run> next;
        for (std::size_t i = 0; i < runs_.size(); i += limits_.fan_in) {
            const std::size_t n = std::min(limits_.fan_in, runs_.size() - i);
            next.push_back(n == 1 ? std::move(runs_[i])
                                  : merge_runs(std::span(runs_).subspan(i, n)));
        }
        runs_ = std::move(next);
    }
    for (auto& r : runs_) {
        readers_.push_back(std::make_unique<RunReader>(std::move(r), limits_.read_rows));
    }
    runs_.clear();
}

std::size_t RowSpool::next(std::span<TimelineRow> out) {
    LTDES_ASSERT(reading_, "RowSpool::next before finish_input");
    if (readers_.empty()) {
        const std::size_t n = std::min(out.size(), buffer_.size() - memory_pos_);
        std::copy_n(buffer_.begin() + static_cast<std::ptrdiff_t>(memory_pos_), n, out.begin());
        memory_pos_ += n;
        return n;
    }
    std::size_t n = 0;
    for (RunReader* best = nullptr; n < out.size() && (best = smallest(readers_)) != nullptr;) {
        out[n++] = best->front();
        best->pop();
    }
    return n;
}

}  // namespace ltdes::output
