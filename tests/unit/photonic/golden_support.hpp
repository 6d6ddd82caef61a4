// SPDX-License-Identifier: MIT
// Reading the golden CSVs (tests/data/golden/, copied from the reference's runs) and running the
// compat estimate for one of their rows.
#pragma once

#include "ltdes/config/arch_loader.hpp"
#include "ltdes/photonic/cost_model.hpp"
#include "ltdes/photonic/hpca24_estimate.hpp"
#include "ltdes/workload/presets.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

namespace ltdes::test {

/// One CSV file: header names and rows of cells.
struct Csv {
    std::vector<std::string> header;
    std::vector<std::vector<std::string>> rows;

    std::size_t col(const std::string& name) const {
        for (std::size_t i = 0; i < header.size(); ++i) {
            if (header[i] == name) {
                return i;
            }
        }
        ADD_FAILURE() << "no column " << name;
        return 0;
    }
};

inline std::vector<std::string> split(const std::string& line) {
    std::vector<std::string> out;
    std::stringstream ss(line);
    std::string cell;
    while (std::getline(ss, cell, ',')) {
        out.push_back(cell);
    }
    if (!line.empty() && line.back() == ',') {
        out.emplace_back();
    }
    return out;
}

inline Csv read_golden(const std::string& name) {
    Csv csv;
    std::ifstream in(std::string(LTDES_SOURCE_DIR) + "/tests/data/golden/" + name);
    EXPECT_TRUE(in.good()) << name;
    std::string line;
    std::getline(in, line);
    csv.header = split(line);
    while (std::getline(in, line)) {
        if (!line.empty()) {
            csv.rows.push_back(split(line));
        }
    }
    return csv;
}

/// The golden files' tolerance: 1e-9 relative with a 1e-15 absolute floor (docs/model.md).
inline ::testing::AssertionResult near_golden(double got, double want) {
    if (std::fabs(got - want) <= std::max(1e-15, 1e-9 * std::fabs(want))) {
        return ::testing::AssertionSuccess();
    }
    return ::testing::AssertionFailure()
           << "got " << got << ", golden " << want << " (rel " << (got - want) / want << ")";
}

/// The compat estimate of one (model, tokens, config, flag), built from lt-des's own configs.
inline const photonic::Hpca24Estimate& estimate_for(const std::string& model,
                                                    std::uint32_t tokens,
                                                    const std::string& config,
                                                    const std::string& flag) {
    static std::map<std::tuple<std::string, std::uint32_t, std::string, std::string>,
                    photonic::Hpca24Estimate>
        cache;
    const auto key = std::make_tuple(model, tokens, config, flag);
    auto it = cache.find(key);
    if (it == cache.end()) {
        auto arch = config::builtin_arch(config);
        EXPECT_TRUE(arch.has_value()) << config;
        auto opt = photonic::parse_opt_flag(flag);
        EXPECT_TRUE(opt.has_value()) << flag;
        arch->apply_opt(*opt);
        const auto shape = workload::find_preset(model);
        EXPECT_TRUE(shape.has_value()) << model;
        const auto cm = photonic::make_cost_model(*arch, photonic::CostOptions{true});
        it = cache.emplace(key, photonic::estimate_hpca24(*cm, *shape, tokens)).first;
    }
    return it->second;
}

inline const photonic::Hpca24Row* find_row(const photonic::Hpca24Estimate& e,
                                           const std::string& name) {
    for (const auto& r : e.rows) {
        if (r.name == name) {
            return &r;
        }
    }
    return nullptr;
}

}  // namespace ltdes::test
