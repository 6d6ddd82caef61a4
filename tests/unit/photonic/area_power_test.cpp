// SPDX-License-Identifier: MIT
// Area and power of configurations the golden files do not cover, by hand (docs/model.md).
#include "ltdes/photonic/area_power.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <string_view>

namespace ltdes::photonic {
namespace {

const AreaPowerRow& row(const AreaPowerReport& r, std::string_view name) {
    for (const auto& x : r.rows) {
        if (x.component == name) {
            return x;
        }
    }
    ADD_FAILURE() << "no row " << name;
    return r.rows.front();
}

void expect_rel(double got, double want) {
    EXPECT_NEAR(got, want, std::fabs(want) * 1e-12) << "want " << want;
}

TEST(AreaPower, DotaWithoutSharingCountsEveryTile) {
    ArchSpec a;  // DOTA, 4 bit
    a.num_tiles = 2;
    a.num_pe_per_tile = 3;
    a.height = 4;
    a.width = 5;
    a.num_wavelength = 6;
    a.input_mod_sharing = false;
    a.adc_share = false;
    const AreaPowerReport r = area_power(a);
    // DACs: H·L·T·P for M1 plus W·L·P·T for M2 (no sharing): 11000·(144 + 180) µm².
    expect_rel(*row(r, "DAC").area_um2, 11000.0 * (4 * 6 * 6 + 5 * 6 * 6));
    // ADC and TIA arrays per PE without ADC sharing: H·W·T·P = 120.
    expect_rel(*row(r, "ADC").area_um2, 2850.0 * 120);
    expect_rel(*row(r, "TIA").area_um2, 50.0 * 120);
    expect_rel(*row(r, "TIA").power_mw, 3.0 * 120);
    expect_rel(*row(r, "laser").area_um2, 400.0 * 300 * (2 + 3));
    expect_rel(*row(r, "micro_comb").area_um2, 1184.0 * 1184 * 5);
    expect_rel(*row(r, "Photodetector").power_mw, 6.0 * 20 * 1.1 * 2);
    EXPECT_FALSE(row(r, "Photodetector").area_um2.has_value());
    expect_rel(*row(r, "mem").area_um2, 1e6 * (14.348352 * 0.5 + 0.0683105 * 2 + 0.0683105 +
                                               0.000305237 * 4 + 0.000305237 * (6 + 3)));
    // The total is the sum of the area rows.
    double sum = 0.0;
    for (const auto& x : r.rows) {
        if (x.component != "total" && x.area_um2) {
            sum += *x.area_um2;
        }
    }
    expect_rel(r.total_area_um2, sum);
    EXPECT_EQ(r.total_area_um2, r.corrected_total_area_um2);
    // Peak: 2 · H·W·L · T·P · 5 GHz = 2 · 120 · 6 · 5e9 = 7.2 TOPS.
    expect_rel(r.peak_tops, 7.2);
}

TEST(AreaPower, MziCorrectedTotalAddsInputModulators) {
    ArchSpec a;
    a.core_type = CoreType::mzi;
    a.apply_opt(OptFlag::arch_opt);
    const AreaPowerReport r = area_power(a);
    // W input MZMs per core, T·P cores: 12 · 260 · 20 · 8 µm².
    expect_rel(r.corrected_total_area_um2 - r.total_area_um2, 12.0 * 260 * 20 * 8);
    EXPECT_FALSE(r.total_power_mw.has_value());
}

}  // namespace
}  // namespace ltdes::photonic
