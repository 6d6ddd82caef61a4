// SPDX-License-Identifier: MIT
// Every published golden row of the reference simulator (tests/data/golden/) against
// `--compat hpca24`: totals per op, per-component module energies, cycle counts, area/power.
#include "unit/photonic/golden_support.hpp"

#include "ltdes/photonic/area_power.hpp"

#include <gtest/gtest.h>

namespace ltdes::test {
namespace {

using photonic::Hpca24Estimate;

TEST(Golden, TotalsEveryRowAndOp) {
    const Csv csv = read_golden("totals.csv");
    ASSERT_EQ(csv.rows.size(), 64U);
    const std::vector<std::string> ops = {"embed", "qkv",  "attn", "proj",
                                          "FFN1",  "FFN2", "head", "others"};
    std::size_t checked = 0;
    for (const auto& row : csv.rows) {
        const std::string what = row[0] + "/" + row[1] + "/" + row[2] + "/" + row[3];
        const Hpca24Estimate& e =
            estimate_for(row[0], static_cast<std::uint32_t>(std::stoul(row[1])), row[2], row[3]);
        EXPECT_TRUE(near_golden(e.total_energy_mj, std::stod(row[csv.col("energy_mJ")]))) << what;
        EXPECT_TRUE(near_golden(e.total_latency_ms, std::stod(row[csv.col("latency_ms")]))) << what;
        ++checked;
        double sum_e = 0.0;
        double sum_t = 0.0;
        for (const std::string& op : ops) {
            const std::string& want_e = row[csv.col(op + "_energy_mJ")];
            const std::string& want_t = row[csv.col(op + "_latency_ms")];
            const photonic::Hpca24Row* r = find_row(e, op);
            if (want_e.empty()) {
                EXPECT_EQ(r, nullptr) << what << " " << op;  // embed for BERT, attn for MZI
                continue;
            }
            ASSERT_NE(r, nullptr) << what << " " << op;
            EXPECT_TRUE(near_golden(r->energy_mj, std::stod(want_e))) << what << " " << op;
            EXPECT_TRUE(near_golden(r->latency_ms, std::stod(want_t))) << what << " " << op;
            sum_e += r->energy_mj;
            sum_t += r->latency_ms;
            checked += 2;
        }
        EXPECT_TRUE(near_golden(sum_e, std::stod(row[csv.col("sum_of_rows_energy_mJ")]))) << what;
        EXPECT_TRUE(near_golden(sum_t, std::stod(row[csv.col("sum_of_rows_latency_ms")]))) << what;
    }
    EXPECT_GT(checked, 900U);
}

const photonic::Hpca24Gemm* find_gemm(const Hpca24Estimate& e,
                                      const std::string& layer,
                                      const std::string& gemm) {
    const photonic::Hpca24Row* r = find_row(e, layer);
    if (r == nullptr) {
        return nullptr;
    }
    for (const auto& g : r->gemms) {
        if (g.label == gemm) {
            return &g;
        }
    }
    return nullptr;
}

double component_pj(const photonic::GemmCost& c, const std::string& part, const std::string& name) {
    if (name == "total") {
        return part == "comp" ? c.comp_pj() : c.datamovement_pj();
    }
    for (std::size_t i = 0; i < photonic::kNumRefComponents; ++i) {
        if (photonic::kRefComponentNames[i] == name) {
            EXPECT_EQ(photonic::is_datamovement(static_cast<photonic::RefComponent>(i)),
                      part == "datamovement")
                << name;
            return c.pj[i];
        }
    }
    ADD_FAILURE() << "unknown component " << name;
    return 0.0;
}

TEST(Golden, ModuleEnergiesEveryComponent) {
    const Csv csv = read_golden("modules_energy.csv");
    ASSERT_GT(csv.rows.size(), 7000U);
    for (const auto& row : csv.rows) {
        const Hpca24Estimate& e =
            estimate_for(row[0], static_cast<std::uint32_t>(std::stoul(row[1])), row[2], row[3]);
        const std::string what =
            row[0] + "/" + row[2] + "/" + row[3] + "/" + row[4] + "/" + row[5] + "/" + row[7];
        const photonic::Hpca24Gemm* g = find_gemm(e, row[4], row[5]);
        ASSERT_NE(g, nullptr) << what;
        EXPECT_TRUE(near_golden(component_pj(g->cost, row[6], row[7]) * 1e-9, std::stod(row[8])))
            << what;
    }
}

TEST(Golden, LatencyDetailCyclesAndTimes) {
    const Csv csv = read_golden("latency_detail.csv");
    ASSERT_GT(csv.rows.size(), 1400U);
    for (const auto& row : csv.rows) {
        const Hpca24Estimate& e =
            estimate_for(row[0], static_cast<std::uint32_t>(std::stoul(row[1])), row[2], row[3]);
        const std::string what =
            row[0] + "/" + row[2] + "/" + row[3] + "/" + row[4] + "/" + row[5] + "/" + row[6];
        const photonic::Hpca24Gemm* g = find_gemm(e, row[4], row[5]);
        ASSERT_NE(g, nullptr) << what;
        const photonic::GemmCost& c = g->cost;
        const std::string& key = row[6];
        const double time_ms = std::stod(row[8]);
        if (key == "total") {
            EXPECT_EQ(row[7], "-1");
            EXPECT_TRUE(near_golden(c.latency_ms, time_ms)) << what;
        } else if (key == "comp") {
            EXPECT_EQ(c.compute_cycles, std::stoull(row[7])) << what;
            EXPECT_TRUE(near_golden(c.compute_ms, time_ms)) << what;
        } else if (key == "datamovement") {
            EXPECT_EQ(c.memory_cycles, std::stoull(row[7])) << what;
            EXPECT_TRUE(near_golden(c.memory_ms, time_ms)) << what;
        } else {
            ASSERT_EQ(key, "program_mzi") << what;
            // Reported as core cycles of the programming time: ms · f[GHz] · 1e6.
            EXPECT_TRUE(near_golden(c.program_ms * 5.0 * 1e6, std::stod(row[7]))) << what;
            EXPECT_TRUE(near_golden(c.program_ms, time_ms)) << what;
        }
    }
}

TEST(Golden, AreaAndPowerEveryComponent) {
    const Csv csv = read_golden("area_power.csv");
    ASSERT_EQ(csv.rows.size(), 59U);
    for (const auto& row : csv.rows) {
        const auto arch = config::builtin_arch(row[0]);
        ASSERT_TRUE(arch.has_value()) << row[0];
        const photonic::AreaPowerReport r = photonic::area_power(*arch);
        const photonic::AreaPowerRow* found = nullptr;
        for (const auto& x : r.rows) {
            if (x.component == row[1]) {
                found = &x;
            }
        }
        ASSERT_NE(found, nullptr) << row[0] << " " << row[1];
        if (row[2].empty()) {
            EXPECT_FALSE(found->area_um2.has_value()) << row[0] << " " << row[1];
        } else {
            ASSERT_TRUE(found->area_um2.has_value()) << row[0] << " " << row[1];
            EXPECT_TRUE(near_golden(*found->area_um2 * 1e-6, std::stod(row[2])))
                << row[0] << " " << row[1];
        }
        if (row[3].empty()) {
            EXPECT_FALSE(found->power_mw.has_value()) << row[0] << " " << row[1];
        } else {
            ASSERT_TRUE(found->power_mw.has_value()) << row[0] << " " << row[1];
            EXPECT_TRUE(near_golden(*found->power_mw, std::stod(row[3])))
                << row[0] << " " << row[1];
        }
    }
}

}  // namespace
}  // namespace ltdes::test
