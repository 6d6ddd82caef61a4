// SPDX-License-Identifier: MIT
// What `lt-des estimate` computed: the rows it prints, kept as data so that `--out` (HDF5, the
// output engineer's step) can write the same numbers.
#pragma once

#include "ltdes/core/energy.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace ltdes::cli {

/// One printed row: all instances of one op name, summed.
struct EstimateRow {
    std::string name;
    std::string kind;         ///< "linear", "Q*K^T", "S*V" or the op kind of element-wise ops
    std::uint64_t count = 0;  ///< instances summed (compat: the reference's multiplier)
    double energy_mj = 0.0;
    double latency_ms = 0.0;
    EnergyPj energy;  ///< per component, pJ (all zero in compat mode: see the breakdown)
};

/// The whole estimate.
struct EstimateReport {
    std::string model;
    std::string arch;
    std::string opt;
    bool compat = false;
    std::vector<EstimateRow> rows;
    double total_energy_mj = 0.0;
    double total_latency_ms = 0.0;
};

}  // namespace ltdes::cli
