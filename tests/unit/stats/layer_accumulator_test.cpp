// SPDX-License-Identifier: MIT
#include "ltdes/stats/layer_accumulator.hpp"

#include <gtest/gtest.h>

namespace {

using ltdes::EnergyComponent;
using ltdes::stats::LayerAccumulator;
using ltdes::stats::TimelineRow;

TimelineRow row(std::uint32_t chip,
                std::uint8_t phase,
                std::int32_t layer,
                std::int64_t t0,
                std::int64_t t1,
                double laser_pj) {
    TimelineRow r;
    r.chip = chip;
    r.phase = phase;
    r.layer = layer;
    r.t_start_ps = t0;
    r.t_end_ps = t1;
    r.energy[EnergyComponent::laser] = laser_pj;
    return r;
}

TEST(LayerAccumulator, SumsPerPhaseLayerAndChip) {
    LayerAccumulator acc;
    acc.add(row(0, 2, 1, 100, 150, 1.5));  // decode step 0
    acc.add(row(0, 2, 1, 10, 30, 2.0));    // decode step 1, earlier start
    acc.add(row(1, 2, 1, 5, 8, 4.0));      // another chip: its own partial
    acc.add(row(0, 1, -1, 0, 1, 8.0));     // prefill, outside blocks
    const auto p = acc.partials();
    ASSERT_EQ(p.size(), 3U);
    // Ordered by (phase, layer, chip): prefill -1 chip 0, decode 1 chip 0, decode 1 chip 1.
    EXPECT_EQ(p[0].phase, 1);
    EXPECT_EQ(p[0].layer, -1);
    EXPECT_EQ(p[1].chip, 0U);
    EXPECT_EQ(p[1].op_count, 2U);
    EXPECT_EQ(p[1].t_first_ps, 10);
    EXPECT_EQ(p[1].t_last_ps, 150);
    EXPECT_EQ(p[1].busy_ps, 50 + 20);
    EXPECT_EQ(p[1].energy[EnergyComponent::laser], 3.5);
    EXPECT_EQ(p[2].chip, 1U);
    EXPECT_EQ(p[2].busy_ps, 3);
}

TEST(LayerStats, MergeIntoEmptyTakesTheOtherSpan) {
    ltdes::stats::LayerStats empty;
    ltdes::stats::LayerStats one;
    one.t_first_ps = 40;
    one.t_last_ps = 90;
    one.op_count = 1;
    empty.merge(one);
    EXPECT_EQ(empty.t_first_ps, 40);  // not min(0, 40)
    EXPECT_EQ(empty.t_last_ps, 90);
}

}  // namespace
