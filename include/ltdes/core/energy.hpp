// SPDX-License-Identifier: MIT
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace ltdes {

/// The energy components of docs/energy.md, in the one order used everywhere (timeline,
/// layers, summary). `total` is not a component: it is the sum, see EnergyPj::total().
enum class EnergyComponent : std::uint8_t {
    laser,
    dac,
    modulator,
    detector,
    tia,
    adc,
    adder,
    digital,
    sram_rf,
    sram_lb,
    sram_gb,
    dram,
    link,
    static_power,  // named "static" in files
};

inline constexpr std::size_t kNumEnergyComponents = 14;

/// File-facing names of the components, indexed by EnergyComponent.
inline constexpr std::array<std::string_view, kNumEnergyComponents> kEnergyComponentNames = {
    "laser",   "dac",     "modulator", "detector", "tia",  "adc",  "adder",
    "digital", "sram_rf", "sram_lb",   "sram_gb",  "dram", "link", "static"};

/// Energy per component in picojoules. Plain aggregate; sums are in component order so that
/// totals are bit-identical wherever they are computed.
struct EnergyPj {
    std::array<double, kNumEnergyComponents> pj{};

    double& operator[](EnergyComponent c) { return pj[static_cast<std::size_t>(c)]; }

    double operator[](EnergyComponent c) const { return pj[static_cast<std::size_t>(c)]; }

    /// Sum of all components in enum order (pJ).
    double total() const {
        double s = 0.0;
        for (double v : pj) {
            s += v;
        }
        return s;
    }

    EnergyPj& operator+=(const EnergyPj& o) {
        for (std::size_t i = 0; i < kNumEnergyComponents; ++i) {
            pj[i] += o.pj[i];
        }
        return *this;
    }

    /// Every component multiplied by `f` (e.g. a layer multiplier).
    EnergyPj scaled(double f) const {
        EnergyPj r = *this;
        for (double& v : r.pj) {
            v *= f;
        }
        return r;
    }
};

}  // namespace ltdes
