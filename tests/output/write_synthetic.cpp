// SPDX-License-Identifier: MIT
// write_synthetic OUT.h5 [ROWS_PER_CHIP] [MEMORY_ROWS]: writes the synthetic run of
// tests/support/synthetic_run.hpp with Hdf5ResultWriter on every rank of the job. Used by the
// h5py, h5diff, h5dump and script tests, and by bench/output_writer_memory.sh (peak memory).
#include "support/synthetic_run.hpp"

#include "ltdes/output/hdf5_result_writer.hpp"

#include <fmt/format.h>
#include <mpi.h>

#include <cstdlib>
#include <exception>
#include <string>
#include <sys/resource.h>

int main(int argc, char** argv) {
    MPI_Init(&argc, &argv);
    int rank = 0;
    int size = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    int code = 0;
    try {
        if (argc < 2) {
            throw std::runtime_error("usage: write_synthetic OUT.h5 [ROWS_PER_CHIP] [MEMORY_ROWS]");
        }
        const auto rows = argc > 2 ? static_cast<std::uint32_t>(std::stoul(argv[2])) : 50U;
        if (rows % 37 == 0) {
            throw std::runtime_error("ROWS_PER_CHIP must not be a multiple of 37");
        }
        ltdes::output::Hdf5WriterOptions o;
        o.path = argv[1];
        o.force = true;
        if (argc > 3) {
            o.memory_rows = std::stoul(argv[3]);
        }
        ltdes::output::Hdf5ResultWriter w(o);
        ltdes::testing::feed_synthetic(w, rank, size, rows);
        ltdes::stats::RunSummary s;
        s.makespan_s = static_cast<double>(1000 * std::int64_t{rows}) * 1e-12;
        s.tokens = 10;
        s.chip_utilization.assign(ltdes::testing::kSyntheticChips, 0.5);
        ltdes::output::RankReport report;
        report.timings_s = {{"simulate", 0.0}};
        w.finish(ltdes::testing::synthetic_metadata(), s, report);
        // Peak resident memory of this rank, for bench/output_writer_memory.sh.
        rusage usage{};
        getrusage(RUSAGE_SELF, &usage);
        fmt::print(stderr, "write_synthetic: rank {} of {}: {} rows/chip, peak RSS {} KiB\n", rank,
                   size, rows, usage.ru_maxrss);
    } catch (const std::exception& e) {
        fmt::print(stderr, "write_synthetic: rank {}: {}\n", rank, e.what());
        code = 1;
    }
    MPI_Finalize();
    return code;
}
