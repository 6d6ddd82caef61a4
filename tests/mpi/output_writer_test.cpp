// SPDX-License-Identifier: MIT
// Hdf5ResultWriter under mpiexec (1, 2 and 3 ranks; with 3, rank 1 has no rows): the file is
// read back with the plain HDF5 C API on rank 0 and compared with the formulas of
// tests/support/synthetic_run.hpp, computed here independently of the writer.
#include "support/synthetic_run.hpp"

#include "ltdes/core/error.hpp"
#include "ltdes/output/hdf5_result_writer.hpp"

#include <gtest/gtest.h>
#include <hdf5.h>
#include <mpi.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
using ltdes::OutputError;
using ltdes::output::Hdf5ResultWriter;
using ltdes::output::Hdf5WriterOptions;

constexpr std::uint32_t kRows = 50;  // per chip; coprime with 37 (see feed_synthetic)

int rank() {
    int r = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &r);
    return r;
}

int size() {
    int s = 0;
    MPI_Comm_size(MPI_COMM_WORLD, &s);
    return s;
}

/// A folder all ranks share, removed at the end.
class SharedTempDir {
public:
    SharedTempDir() {
        long id = rank() == 0 ? static_cast<long>(::getpid()) : 0;
        MPI_Bcast(&id, 1, MPI_LONG, 0, MPI_COMM_WORLD);
        path_ = fs::temp_directory_path() / ("ltdes_writer_test_" + std::to_string(id));
        if (rank() == 0) {
            fs::create_directories(path_);
        }
        MPI_Barrier(MPI_COMM_WORLD);
    }

    ~SharedTempDir() {
        MPI_Barrier(MPI_COMM_WORLD);
        if (rank() == 0) {
            fs::remove_all(path_);
        }
    }

    SharedTempDir(const SharedTempDir&) = delete;
    SharedTempDir& operator=(const SharedTempDir&) = delete;

    const fs::path& path() const { return path_; }

private:
    fs::path path_;
};

Hdf5WriterOptions small_options(const fs::path& out) {
    Hdf5WriterOptions o;
    o.path = out;
    o.memory_rows = 7;  // forces many spills and a merge pass
    o.chunk_rows = 16;
    o.write_rows = 40;  // several collective calls, ranks with different call counts
    return o;
}

ltdes::stats::RunSummary synthetic_summary() {
    ltdes::stats::RunSummary s;
    s.makespan_s = 50.0e-9;
    s.tokens = 10;
    s.chip_utilization = {0.5, 0.5, 0.5, 0.5, 0.25};
    return s;
}

void write_synthetic(const fs::path& out, bool force = false) {
    auto o = small_options(out);
    o.force = force;
    Hdf5ResultWriter w(o);
    ltdes::testing::feed_synthetic(w, rank(), size(), kRows);
    ltdes::output::RankReport report;
    report.timings_s = {{"simulate", 1.0 + rank()}, {"write", 0.5}};
    report.events = 100 + static_cast<std::uint64_t>(rank());
    w.finish(ltdes::testing::synthetic_metadata(), synthetic_summary(), report);
}

// ---- plain C API readers (rank 0 only, serial driver) ----

std::string attr_string(hid_t obj, const char* name) {
    const hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    EXPECT_GE(a, 0) << name;
    const hid_t t = H5Aget_type(a);
    std::string out;
    if (H5Tis_variable_str(t) > 0) {
        char* v = nullptr;
        H5Aread(a, t, &v);
        out = v;
        H5free_memory(v);
    }
    H5Tclose(t);
    H5Aclose(a);
    return out;
}

double attr_f64(hid_t obj, const char* name) {
    double v = -1;
    const hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    H5Aread(a, H5T_NATIVE_DOUBLE, &v);
    H5Aclose(a);
    return v;
}

template <class T>
std::vector<T> read_column(hid_t file, const std::string& path, hid_t mem_type) {
    const hid_t d = H5Dopen2(file, path.c_str(), H5P_DEFAULT);
    EXPECT_GE(d, 0) << path;
    const hid_t s = H5Dget_space(d);
    hsize_t n = 0;
    H5Sget_simple_extent_dims(s, &n, nullptr);
    std::vector<T> v(n);
    if (n > 0) {
        EXPECT_GE(H5Dread(d, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()), 0) << path;
    }
    H5Sclose(s);
    H5Dclose(d);
    return v;
}

TEST(Hdf5ResultWriter, RoundTripMatchesTheFormulas) {
    SharedTempDir dir;
    const fs::path out = dir.path() / "run.h5";
    write_synthetic(out);
    if (rank() != 0) {
        return;
    }
    ASSERT_TRUE(fs::exists(out));
    EXPECT_FALSE(fs::exists(out.string() + ".partial"));
    for (const auto& e : fs::directory_iterator(dir.path())) {  // spill files removed
        EXPECT_EQ(e.path().extension(), ".h5") << e.path();
    }
    const hid_t f = H5Fopen(out.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    ASSERT_GE(f, 0);
    EXPECT_EQ(attr_string(f, "status"), "complete");
    EXPECT_EQ(attr_string(f, "schema"), "lt-des-result");
    EXPECT_EQ(attr_string(f, "error"), "");

    const std::size_t n = ltdes::testing::kSyntheticChips * kRows;
    const auto chip = read_column<std::uint32_t>(f, "timeline/chip", H5T_NATIVE_UINT32);
    const auto t0 = read_column<std::int64_t>(f, "timeline/t_start", H5T_NATIVE_INT64);
    const auto t1 = read_column<std::int64_t>(f, "timeline/t_end", H5T_NATIVE_INT64);
    const auto op = read_column<std::uint64_t>(f, "timeline/op_id", H5T_NATIVE_UINT64);
    const auto res = read_column<std::uint8_t>(f, "timeline/resource", H5T_NATIVE_UINT8);
    const auto layer = read_column<std::int32_t>(f, "timeline/layer", H5T_NATIVE_INT32);
    const auto m = read_column<std::uint64_t>(f, "timeline/m", H5T_NATIVE_UINT64);
    const auto e_dac = read_column<double>(f, "timeline/energy/dac", H5T_NATIVE_DOUBLE);
    const auto e_tot = read_column<double>(f, "timeline/energy/total", H5T_NATIVE_DOUBLE);
    ASSERT_EQ(chip.size(), n);
    ASSERT_EQ(e_tot.size(), n);
    // Sorted by (chip, t_start): row g is op j = g % kRows of chip g / kRows.
    for (std::size_t g = 0; g < n; ++g) {
        const auto c = static_cast<std::int64_t>(g / kRows);
        const auto j = static_cast<std::int64_t>(g % kRows);
        ASSERT_EQ(chip[g], c) << g;
        ASSERT_EQ(t0[g], 1000 * j + c) << g;
        ASSERT_EQ(t1[g], 1000 * j + c + 500 + j % 3) << g;
        ASSERT_EQ(op[g], static_cast<std::uint64_t>(j));
        ASSERT_EQ(res[g], j % 5);
        ASSERT_EQ(layer[g], j % 4 - 1);
        ASSERT_EQ(m[g], static_cast<std::uint64_t>(j + 1));
        // pJ -> J: component i of op j holds (i+1)(j+1) pJ; dac is i = 1; total = 105 (j+1).
        ASSERT_EQ(e_dac[g], 2.0 * static_cast<double>(j + 1) * 1e-12);
        ASSERT_EQ(e_tot[g], 105.0 * static_cast<double>(j + 1) * 1e-12);
    }

    // /layers/<phase>: phase = j % 3, layer = j % 4 - 1, summed over the 5 chips by hand.
    const char* phases[] = {"encoder", "prefill", "decode"};
    double grand_total_pj = 0;
    for (std::uint32_t p = 0; p < 3; ++p) {
        std::map<std::int32_t, std::pair<std::uint64_t, double>> expect;  // count, total pJ
        for (std::uint32_t j = 0; j < kRows; ++j) {
            if (j % 3 == p) {
                auto& e = expect[static_cast<std::int32_t>(j % 4) - 1];
                e.first += ltdes::testing::kSyntheticChips;
                e.second += 105.0 * (j + 1) * ltdes::testing::kSyntheticChips;
            }
        }
        const std::string g = std::string("layers/") + phases[p];
        const auto layers = read_column<std::int32_t>(f, g + "/layer", H5T_NATIVE_INT32);
        const auto count = read_column<std::uint64_t>(f, g + "/op_count", H5T_NATIVE_UINT64);
        const auto total = read_column<double>(f, g + "/energy/total", H5T_NATIVE_DOUBLE);
        ASSERT_EQ(layers.size(), expect.size());
        std::size_t i = 0;
        for (const auto& [l, e] : expect) {
            EXPECT_EQ(layers[i], l);
            EXPECT_EQ(count[i], e.first);
            EXPECT_EQ(total[i], e.second * 1e-12);
            grand_total_pj += e.second;
            ++i;
        }
    }
    const hid_t s = H5Gopen2(f, "summary", H5P_DEFAULT);
    EXPECT_DOUBLE_EQ(attr_f64(s, "energy_J"), grand_total_pj * 1e-12);
    EXPECT_DOUBLE_EQ(attr_f64(s, "energy_per_processed_token_J"), grand_total_pj * 1e-12 / 10);
    EXPECT_TRUE(std::isnan(attr_f64(s, "energy_per_generated_token_J")));  // 0 generated
    EXPECT_EQ(attr_f64(s, "makespan_s"), 50.0e-9);
    EXPECT_TRUE(std::isnan(attr_f64(s, "ttft_s")));
    H5Gclose(s);

    const auto first = read_column<std::uint64_t>(f, "metadata/ranks/row_first", H5T_NATIVE_UINT64);
    const auto cnt = read_column<std::uint64_t>(f, "metadata/ranks/row_count", H5T_NATIVE_UINT64);
    const auto sim = read_column<double>(f, "metadata/ranks/simulate_s", H5T_NATIVE_DOUBLE);
    ASSERT_EQ(cnt.size(), static_cast<std::size_t>(size()));
    std::uint64_t sum = 0;
    for (int r = 0; r < size(); ++r) {
        const auto [a, b] = ltdes::testing::synthetic_chips_of(r, size());
        EXPECT_EQ(first[static_cast<std::size_t>(r)], sum);
        EXPECT_EQ(cnt[static_cast<std::size_t>(r)], std::uint64_t{b - a} * kRows);
        EXPECT_EQ(sim[static_cast<std::size_t>(r)], 1.0 + r);
        sum += cnt[static_cast<std::size_t>(r)];
    }
    EXPECT_EQ(sum, n);
    H5Fclose(f);
}

TEST(Hdf5ResultWriter, FailLeavesAFailedPartialAndNoTarget) {
    SharedTempDir dir;
    const fs::path out = dir.path() / "run.h5";
    {
        Hdf5ResultWriter w(small_options(out));
        ltdes::testing::feed_synthetic(w, rank(), size(), kRows);
        w.fail(ltdes::testing::synthetic_metadata(), "chip 3: deadlock detected");
    }
    if (rank() != 0) {
        return;
    }
    EXPECT_FALSE(fs::exists(out));
    const hid_t f = H5Fopen((out.string() + ".partial").c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    ASSERT_GE(f, 0);
    EXPECT_EQ(attr_string(f, "status"), "failed");
    EXPECT_EQ(attr_string(f, "error"), "chip 3: deadlock detected");
    H5Fclose(f);
}

TEST(Hdf5ResultWriter, AnErrorBeforeTheFileLeavesNothingClaimingComplete) {
    SharedTempDir dir;
    const fs::path out = dir.path() / "run.h5";
    Hdf5ResultWriter w(small_options(out));
    ltdes::testing::feed_synthetic(w, rank(), size(), kRows);
    auto meta = ltdes::testing::synthetic_metadata();
    meta.inputs.push_back({"trace", dir.path() / "missing.trace"});  // cannot be hashed
    EXPECT_THROW(w.finish(meta, synthetic_summary(), {}), OutputError);
    EXPECT_FALSE(fs::exists(out));
    EXPECT_FALSE(fs::exists(out.string() + ".partial"));
}

TEST(Hdf5ResultWriter, AnExistingFileIsLeftUntouchedUnlessForced) {
    SharedTempDir dir;
    const fs::path out = dir.path() / "run.h5";
    if (rank() == 0) {
        std::ofstream(out) << "keep me";
    }
    MPI_Barrier(MPI_COMM_WORLD);
    EXPECT_THROW(Hdf5ResultWriter{small_options(out)}, OutputError);
    if (rank() == 0) {
        std::ifstream in(out);
        std::string text;
        std::getline(in, text);
        EXPECT_EQ(text, "keep me");
    }
    MPI_Barrier(MPI_COMM_WORLD);
    write_synthetic(out, /*force=*/true);
    if (rank() == 0) {
        EXPECT_GT(H5Fis_hdf5(out.c_str()), 0);
    }
}

TEST(Hdf5ResultWriter, AMissingFolderIsABadInputError) {
    SharedTempDir dir;
    try {
        Hdf5ResultWriter w(small_options(dir.path() / "no_such_folder" / "run.h5"));
        FAIL() << "expected OutputError";
    } catch (const OutputError& e) {
        EXPECT_NE(std::string(e.what()).find("does not exist"), std::string::npos) << e.what();
    }
}

}  // namespace
