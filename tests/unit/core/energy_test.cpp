// SPDX-License-Identifier: MIT
#include "ltdes/core/energy.hpp"

#include <gtest/gtest.h>

namespace ltdes {
namespace {

TEST(EnergyPj, TotalIsTheSumOfComponents) {
    EnergyPj e;
    e[EnergyComponent::laser] = 1.5;
    e[EnergyComponent::dram] = 2.25;
    e[EnergyComponent::static_power] = 0.25;
    EXPECT_DOUBLE_EQ(e.total(), 4.0);
    EnergyPj f = e.scaled(2.0);
    EXPECT_DOUBLE_EQ(f[EnergyComponent::dram], 4.5);
    f += e;
    EXPECT_DOUBLE_EQ(f.total(), 12.0);
}

TEST(EnergyPj, ComponentNamesFollowTheContract) {
    EXPECT_EQ(kEnergyComponentNames.front(), "laser");
    EXPECT_EQ(kEnergyComponentNames[static_cast<std::size_t>(EnergyComponent::sram_gb)], "sram_gb");
    EXPECT_EQ(kEnergyComponentNames.back(), "static");
}

}  // namespace
}  // namespace ltdes
