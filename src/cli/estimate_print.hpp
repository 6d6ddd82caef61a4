// SPDX-License-Identifier: MIT
// How `lt-des estimate` prints: the table, the CSV and the per-component breakdown files.
#pragma once

#include "ltdes/photonic/arch_spec.hpp"
#include "ltdes/photonic/hpca24_estimate.hpp"
#include "ltdes/sim/estimate_report.hpp"

#include <string>

namespace ltdes::cli {

/// The reference simulator's breakdown CSV of a `--compat hpca24` estimate.
void write_compat_breakdown(const std::string& path,
                            const photonic::Hpca24Estimate& est,
                            photonic::CoreType core);

/// The per-component breakdown CSV (mJ per instance) of an estimate.
void write_breakdown(const std::string& path, const sim::EstimateReport& report);

/// `--format csv` on stdout.
void print_csv(const sim::EstimateReport& r);

/// `--format table` on stdout, under `title`.
void print_table(const sim::EstimateReport& r, const std::string& title);

}  // namespace ltdes::cli
