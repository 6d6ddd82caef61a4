// SPDX-License-Identifier: MIT
#include "ltdes/sim/estimate_sweep.hpp"

#include "ltdes/core/error.hpp"
#include "ltdes/sim/chip_archs.hpp"
#include "ltdes/sim/estimate_report.hpp"

#include <fmt/format.h>

#include <charconv>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <string_view>

namespace ltdes::sim {

namespace {

std::vector<std::string> split_cells(const std::string& line) {
    std::vector<std::string> cells;
    std::size_t start = 0;
    while (true) {
        const std::size_t comma = line.find(',', start);
        std::string cell = line.substr(start, comma == std::string::npos ? comma : comma - start);
        const auto first = cell.find_first_not_of(" \t\r");
        const auto last = cell.find_last_not_of(" \t\r");
        cells.push_back(first == std::string::npos ? std::string()
                                                   : cell.substr(first, last - first + 1));
        if (comma == std::string::npos) {
            return cells;
        }
        start = comma + 1;
    }
}

std::int64_t integer_cell(const std::string& where, std::string_view column, const std::string& s) {
    std::int64_t v = 0;
    const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || ptr != s.data() + s.size()) {
        throw UsageError(
            fmt::format("{}: column '{}': expected an integer, got '{}'", where, column, s));
    }
    return v;
}

bool skipped(const std::string& line) {
    const auto first = line.find_first_not_of(" \t\r");
    return first == std::string::npos || line[first] == '#';
}

/// Applies one cell to a case; false for an unknown column.
bool set_cell(SweepCase& c, std::string_view column, const std::string& value) {
    const auto integer = [&](std::optional<std::int64_t>& field) {
        field = integer_cell(c.where, column, value);
    };
    if (column == "model") {
        c.request.model = value;
        c.request.hf_config.reset();
    } else if (column == "hf_config") {
        c.request.hf_config = value;
        c.request.model.reset();
    } else if (column == "arch") {
        c.arch = value;
    } else if (column == "tokens") {
        integer(c.request.tokens);
    } else if (column == "prompt") {
        integer(c.request.prompt);
    } else if (column == "decode") {
        integer(c.request.decode);
    } else if (column == "batch") {
        integer(c.request.batch);
    } else {
        return false;
    }
    return true;
}

}  // namespace

std::vector<SweepCase> read_sweep_cases(const std::string& path, const SweepCase& defaults) {
    std::ifstream in(path);
    if (!in) {
        throw UsageError(fmt::format("{}: cannot open the cases file", path));
    }
    std::vector<std::string> columns;
    std::vector<SweepCase> cases;
    std::string line;
    for (std::uint64_t line_no = 1; std::getline(in, line); ++line_no) {
        if (skipped(line)) {
            continue;
        }
        const std::string where = fmt::format("{}:{}", path, line_no);
        std::vector<std::string> cells = split_cells(line);
        if (columns.empty()) {
            SweepCase probe;
            for (const std::string& name : cells) {
                if (name.empty() || !set_cell(probe, name, "0")) {
                    throw UsageError(fmt::format("{}: unknown column '{}' (expected {})", where,
                                                 name, kSweepCaseColumns));
                }
            }
            columns = std::move(cells);
            continue;
        }
        if (cells.size() != columns.size()) {
            throw UsageError(fmt::format("{}: {} cells, the header has {} columns", where,
                                         cells.size(), columns.size()));
        }
        SweepCase c = defaults;
        c.where = where;
        for (std::size_t i = 0; i < cells.size(); ++i) {
            if (!cells[i].empty()) {
                set_cell(c, columns[i], cells[i]);
            }
        }
        cases.push_back(std::move(c));
    }
    if (cases.empty()) {
        throw UsageError(fmt::format("{}: no cases (a header line, then one case per line)", path));
    }
    return cases;
}

std::vector<SweepRow> run_sweep(const std::vector<SweepCase>& cases,
                                const cluster::ClusterSpec& cluster,
                                const std::string& opt) {
    // Everything that can fail is done here, in case order, before any costing.
    std::map<std::string, std::unique_ptr<ChipArchs>> archs;
    std::vector<ResolvedWorkload> inputs;
    std::vector<const ChipArchs*> case_archs;
    inputs.reserve(cases.size());
    for (const SweepCase& c : cases) {
        try {
            inputs.push_back(resolve_workload(c.request));
            const std::string key = c.arch.empty() ? cluster.arch : c.arch;
            auto& slot = archs[key];
            if (!slot) {
                cluster::ClusterSpec one = cluster;
                one.arch = key;
                one.chip_arch.clear();
                slot = std::make_unique<ChipArchs>(one, opt, 1);
            }
            case_archs.push_back(slot.get());
        } catch (const Error& e) {
            throw UsageError(fmt::format("{}: {}", c.where, e.what()));
        }
    }
    std::vector<SweepRow> rows(cases.size());
    // One thread: the cost model is cheap enough (docs/performance.md) and only des/ and stats/
    // may use TBB (tests/hygiene/layering_test.sh).
    for (std::size_t i = 0; i < cases.size(); ++i) {
        const ResolvedWorkload& in = inputs[i];
        const ChipArchs& a = *case_archs[i];
        const EstimateTotals t = estimate_totals(in, a.cost_model(0), a.memory(), a.sram_bytes(0));
        rows[i] = SweepRow{in.model.name,  a.arch(0).name, in.spec.batch, in.spec.prompt,
                           in.spec.decode, t.ops,          t.energy_mj,   t.latency_ms};
    }
    return rows;
}

}  // namespace ltdes::sim
