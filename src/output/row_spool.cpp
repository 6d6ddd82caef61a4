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

/// Buffered sequential reader of one sorted run file.
class RowSpool::RunReader {
public:
    RunReader(const fs::path& path, std::size_t buffer_rows)
        : path_(path), file_(std::fopen(path.c_str(), "rb")), buffer_(buffer_rows) {
        if (file_ == nullptr) {
            throw OutputError(
                fmt::format("{}: cannot reopen a spill file: {}", path.string(), errno_text()));
        }
        refill();
    }

    ~RunReader() { std::fclose(file_); }

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
        end_ = std::fread(buffer_.data(), sizeof(TimelineRow), buffer_.size(), file_);
        if (end_ == 0 && std::ferror(file_) != 0) {
            throw OutputError(fmt::format("{}: cannot read a spill file", path_.string()));
        }
    }

    fs::path path_;
    std::FILE* file_;
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

RowSpool::~RowSpool() {
    readers_.clear();
    for (const auto& f : all_files_) {
        std::error_code ec;
        fs::remove(f, ec);
    }
}

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

/// Closes a spill file and throws when any write or the close failed (a full disk).
void close_spill(std::FILE* f, bool wrote_all, const fs::path& path) {
    const bool closed = std::fclose(f) == 0;
    if (!wrote_all || !closed) {
        throw OutputError(fmt::format("{}: cannot write a spill file (disk full?)", path.string()));
    }
}

}  // namespace

std::pair<fs::path, std::FILE*> RowSpool::create_spill() {
    fs::path path = dir_ / fmt::format("{}.{}.spill", stem_, runs_written_++);
    all_files_.push_back(path);
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (f == nullptr) {
        throw OutputError(
            fmt::format("{}: cannot create a spill file: {}", path.string(), errno_text()));
    }
    return {std::move(path), f};
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

fs::path RowSpool::spill_run(std::span<const TimelineRow> rows) {
    auto [path, f] = create_spill();
    const bool ok =
        !fault_ && std::fwrite(rows.data(), sizeof(TimelineRow), rows.size(), f) == rows.size();
    close_spill(f, ok, path);
    return path;
}

fs::path RowSpool::merge_runs(std::span<const fs::path> runs) {
    std::vector<std::unique_ptr<RunReader>> readers;
    for (const auto& r : runs) {
        readers.push_back(std::make_unique<RunReader>(r, limits_.read_rows));
    }
    std::vector<TimelineRow> out;
    out.reserve(limits_.read_rows);
    auto [path, f] = create_spill();
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
    close_spill(f, ok, path);
    readers.clear();
    for (const auto& r : runs) {
        std::error_code ec;
        fs::remove(r, ec);
    }
    return path;
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
        std::vector<fs::path> next;
        for (std::size_t i = 0; i < runs_.size(); i += limits_.fan_in) {
            const std::size_t n = std::min(limits_.fan_in, runs_.size() - i);
            next.push_back(n == 1 ? runs_[i] : merge_runs(std::span(runs_).subspan(i, n)));
        }
        runs_ = std::move(next);
    }
    for (const auto& r : runs_) {
        readers_.push_back(std::make_unique<RunReader>(r, limits_.read_rows));
    }
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
