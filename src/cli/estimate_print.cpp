// SPDX-License-Identifier: MIT
#include "cli/estimate_print.hpp"

#include "ltdes/core/error.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <fstream>

namespace ltdes::cli {

using photonic::RefComponent;
using sim::EstimateReport;

namespace {

/// The reference's CSV component rows for one core type, in its order.
std::vector<RefComponent> ref_components(photonic::CoreType t) {
    using R = RefComponent;
    if (t == photonic::CoreType::dota) {
        return {R::laser,       R::dac_1,  R::dac_2, R::tx_1, R::tx_2,
                R::rx_detector, R::rx_tia, R::adc,   R::adder};
    }
    return {R::laser, R::dac_1, R::dac_2, R::tx_1, R::tx_2, R::rx, R::adc, R::adder};
}

}  // namespace

void write_compat_breakdown(const std::string& path,
                            const photonic::Hpca24Estimate& est,
                            photonic::CoreType core) {
    std::ofstream out(path);
    if (!out) {
        throw OutputError(fmt::format("{}: cannot write the breakdown file", path));
    }
    out << "layer,gemm,part,component,energy_mJ_one_instance\n";
    const std::vector<RefComponent> comp = ref_components(core);
    const std::vector<RefComponent> dm = {RefComponent::rf, RefComponent::lb, RefComponent::gb,
                                          RefComponent::dram};
    for (const auto& row : est.rows) {
        for (const auto& g : row.gemms) {
            out << fmt::format("{},{},comp,total,{}\n", row.name, g.label, g.cost.comp_pj() * 1e-9);
            for (RefComponent c : comp) {
                out << fmt::format("{},{},comp,{},{}\n", row.name, g.label,
                                   photonic::kRefComponentNames[static_cast<std::size_t>(c)],
                                   g.cost[c] * 1e-9);
            }
            out << fmt::format("{},{},datamovement,total,{}\n", row.name, g.label,
                               g.cost.datamovement_pj() * 1e-9);
            for (RefComponent c : dm) {
                out << fmt::format("{},{},datamovement,{},{}\n", row.name, g.label,
                                   photonic::kRefComponentNames[static_cast<std::size_t>(c)],
                                   g.cost[c] * 1e-9);
            }
        }
    }
}

void write_breakdown(const std::string& path, const EstimateReport& report) {
    std::ofstream out(path);
    if (!out) {
        throw OutputError(fmt::format("{}: cannot write the breakdown file", path));
    }
    out << "layer,gemm,part,component,energy_mJ_one_instance\n";
    for (const auto& row : report.rows) {
        const double per = 1e-9 / static_cast<double>(row.count);
        for (std::size_t i = 0; i < kNumEnergyComponents; ++i) {
            const bool dm = static_cast<EnergyComponent>(i) >= EnergyComponent::sram_rf;
            out << fmt::format("{},{},{},{},{}\n", row.name, row.kind, dm ? "datamovement" : "comp",
                               kEnergyComponentNames[i], row.energy.pj[i] * per);
        }
    }
}

void print_csv(const EstimateReport& r) {
    std::string s = "name,count,energy_mJ,latency_ms\n";
    for (const auto& row : r.rows) {
        s += fmt::format("{},{},{},{}\n", row.name, row.count, row.energy_mj, row.latency_ms);
    }
    std::uint64_t instances = 0;
    for (const auto& row : r.rows) {
        instances += row.count;
    }
    s += fmt::format("total,{},{},{}\n", instances, r.total_energy_mj, r.total_latency_ms);
    std::fputs(s.c_str(), stdout);
}

void print_table(const EstimateReport& r, const std::string& title) {
    std::string s = title + "\n";
    s += fmt::format("{:<20} {:>6} {:>14} {:>14} {:>8}\n", "op", "count", "energy_mJ", "latency_ms",
                     "energy_%");
    for (const auto& row : r.rows) {
        s += fmt::format("{:<20} {:>6} {:>14.6g} {:>14.6g} {:>8.2f}\n", row.name, row.count,
                         row.energy_mj, row.latency_ms, 100.0 * row.energy_mj / r.total_energy_mj);
    }
    s += fmt::format("{:<20} {:>6} {:>14.6g} {:>14.6g}\n", "total", "", r.total_energy_mj,
                     r.total_latency_ms);
    if (!r.compat) {
        // Per-component split of the whole workload (docs/energy.md names).
        EnergyPj sum;
        for (const auto& row : r.rows) {
            sum += row.energy;
        }
        s += "\nenergy by component (mJ):\n";
        for (std::size_t i = 0; i < kNumEnergyComponents; ++i) {
            if (sum.pj[i] != 0.0) {
                s +=
                    fmt::format("  {:<10} {:>14.6g}\n", kEnergyComponentNames[i], sum.pj[i] * 1e-9);
            }
        }
    }
    std::fputs(s.c_str(), stdout);
}

}  // namespace ltdes::cli
