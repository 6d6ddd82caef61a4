// SPDX-License-Identifier: MIT
#include "ltdes/core/sim_time.hpp"

#include <gtest/gtest.h>

namespace ltdes {
namespace {

TEST(SimTime, UnitsConvertToPicoseconds) {
    EXPECT_EQ(SimTime::from_ns(3).in_ps(), 3000);
    EXPECT_EQ(SimTime::from_us(2).in_ps(), 2000000);
    EXPECT_EQ(SimTime::from_ps(7).in_ps(), 7);
    EXPECT_DOUBLE_EQ(SimTime::from_us(1).in_seconds(), 1e-6);
}

TEST(SimTime, ArithmeticAndOrderAreExactIntegers) {
    const SimTime a = SimTime::from_ps(5);
    const SimTime b = SimTime::from_ps(9);
    EXPECT_EQ((a + b).in_ps(), 14);
    EXPECT_EQ((b - a).in_ps(), 4);
    EXPECT_LT(a, b);
    EXPECT_LT(b, SimTime::max());
    SimTime c = a;
    c += b;
    EXPECT_EQ(c, SimTime::from_ps(14));
}

TEST(SimTime, CeilSecondsRoundsUpToWholePicoseconds) {
    // 1.5 ps -> 2 ps; 0 stays 0; a hair over 2 ps -> 3 ps; 0.5 s is exact in binary.
    EXPECT_EQ(SimTime::ceil_seconds(1.5e-12).in_ps(), 2);
    EXPECT_EQ(SimTime::ceil_seconds(0.0).in_ps(), 0);
    EXPECT_EQ(SimTime::ceil_seconds(2.0000001e-12).in_ps(), 3);
    EXPECT_EQ(SimTime::ceil_seconds(0.5).in_ps(), 500000000000);
    // The product seconds·1e12 is rounded up as a double: 1e-9 · 1e12 = 1000.0000000000001
    // in binary, so 1 ns becomes 1001 ps (docs/units.md).
    EXPECT_EQ(SimTime::ceil_seconds(1e-9).in_ps(), 1001);
}

TEST(SimTime, FormatsAsPicoseconds) {
    EXPECT_EQ(fmt::format("{}", SimTime::from_ns(2)), "2000");
}

}  // namespace
}  // namespace ltdes
