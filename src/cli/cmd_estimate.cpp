// SPDX-License-Identifier: MIT
// `lt-des estimate`: the analytical cost model on a workload, without the DES and without MPI
// (CONTRACTS.md §5). `--compat hpca24` reproduces the reference simulator row by row.
#include "cli/commands.hpp"
#include "cli/encoder_ops.hpp"
#include "cli/estimate_report.hpp"
#include "cli/options.hpp"

#include "ltdes/config/arch_loader.hpp"
#include "ltdes/core/error.hpp"
#include "ltdes/photonic/cost_model.hpp"
#include "ltdes/photonic/hpca24_estimate.hpp"
#include "ltdes/workload/presets.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

namespace ltdes::cli {

namespace {

using photonic::RefComponent;

constexpr std::uint32_t kDeitTokens = 197;
constexpr std::uint32_t kMaxTokens = 1U << 20;
constexpr std::uint32_t kMaxBatch = 1U << 16;

cxxopts::Options estimate_options() {
    cxxopts::Options o("lt-des estimate",
                       "Analytical energy and latency of a workload on one photonic chip");
    o.add_options()("model", "model preset (deit-t, deit-s, deit-b, bert-b, bert-l)",
                    cxxopts::value<std::string>())("hf-config", "Hugging Face config.json",
                                                   cxxopts::value<std::string>())(
        "trace", "lt-trace file", cxxopts::value<std::string>())(
        "tokens", "encoder sequence length (DeiT: 197 when omitted; BERT: required)",
        cxxopts::value<std::uint32_t>())("prompt", "decoder prompt length",
                                         cxxopts::value<std::uint32_t>())(
        "decode", "decoder generated tokens", cxxopts::value<std::uint32_t>())(
        "batch", "requests per batch", cxxopts::value<std::uint32_t>()->default_value("1"))(
        "arch", "arch YAML or built-in name (default Dota_B_4bit)", cxxopts::value<std::string>())(
        "opt", "DOTA optimisation: arch_opt|crossbar|broadcast",
        cxxopts::value<std::string>()->default_value("arch_opt"))(
        "compat", "reproduce a reference simulator: hpca24", cxxopts::value<std::string>())(
        "cluster", "cluster YAML (DRAM bandwidth and latency)", cxxopts::value<std::string>())(
        "format", "table|csv", cxxopts::value<std::string>()->default_value("table"))(
        "breakdown", "write per-component energies to this CSV", cxxopts::value<std::string>())(
        "out", "write an HDF5 result file", cxxopts::value<std::string>())(
        "force", "replace an existing --out file")("h,help", "print this help");
    return o;
}

/// The reference's CSV component rows for one core type, in its order.
std::vector<RefComponent> ref_components(photonic::CoreType t) {
    using R = RefComponent;
    if (t == photonic::CoreType::dota) {
        return {R::laser,       R::dac_1,  R::dac_2, R::tx_1, R::tx_2,
                R::rx_detector, R::rx_tia, R::adc,   R::adder};
    }
    return {R::laser, R::dac_1, R::dac_2, R::tx_1, R::tx_2, R::rx, R::adc, R::adder};
}

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

EstimateReport compat_report(const photonic::Hpca24Estimate& est) {
    EstimateReport r;
    r.compat = true;
    for (const auto& row : est.rows) {
        EstimateRow out;
        out.name = row.name;
        out.kind = row.gemms.empty() ? "digital" : "matmul";
        out.count = row.count;
        out.energy_mj = row.energy_mj;
        out.latency_ms = row.latency_ms;
        r.rows.push_back(std::move(out));
    }
    r.total_energy_mj = est.total_energy_mj;
    r.total_latency_ms = est.total_latency_ms;
    return r;
}

std::string kind_label(const workload::Op& op) {
    if (op.kind == workload::OpKind::gemm) {
        return "linear";
    }
    if (op.kind == workload::OpKind::bmm) {
        return op.role == workload::BmmRole::qk ? "Q*K^T" : "S*V";
    }
    return std::string(workload::kOpKindNames[static_cast<std::size_t>(op.kind)]);
}

EstimateReport default_report(const photonic::CostModel& model,
                              const std::vector<workload::Op>& ops,
                              const photonic::MemorySpec& mem) {
    EstimateReport r;
    double total_pj = 0.0;
    double total_s = 0.0;
    for (const workload::Op& op : ops) {
        const photonic::OpCost c = model.cost(op, mem);
        EstimateRow* row = nullptr;
        for (auto& x : r.rows) {
            if (x.name == op.name) {
                row = &x;
            }
        }
        if (row == nullptr) {
            r.rows.push_back(EstimateRow{op.name, kind_label(op), 0, 0.0, 0.0, {}});
            row = &r.rows.back();
        }
        row->count += 1;
        row->energy += c.energy;
        row->latency_ms += c.latency_s * 1e3;
        total_pj += c.energy.total();
        total_s += c.latency_s;
    }
    for (auto& row : r.rows) {
        row.energy_mj = row.energy.total() * 1e-9;
    }
    r.total_energy_mj = total_pj * 1e-9;
    r.total_latency_ms = total_s * 1e3;
    return r;
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
        // Per-component split of the whole workload (CONTRACTS.md §4 names).
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

int run_estimate(const cxxopts::ParseResult& args) {
    const int sources =
        static_cast<int>(args.count("model") + args.count("hf-config") + args.count("trace"));
    if (sources != 1) {
        throw UsageError(
            "estimate needs exactly one of --model NAME, --hf-config PATH, --trace FILE");
    }
    if (args.count("out") != 0) {
        // Hook for the HDF5 writer (output engineer): write the EstimateReport here, with MPI
        // initialised only on this path.
        if (args.count("compat") != 0) {
            throw UsageError("--out cannot be combined with --compat");
        }
        throw UsageError("--out is not available in this build yet");
    }
    if (args.count("trace") != 0 || args.count("hf-config") != 0) {
        throw UsageError("--trace and --hf-config are not wired into estimate in this build yet");
    }
    if (args.count("cluster") != 0) {
        fmt::print(stderr,
                   "lt-des: warning: --cluster is not read yet; using the built-in DRAM "
                   "bandwidth and latency\n");
    }
    const std::string format = args["format"].as<std::string>();
    if (format != "table" && format != "csv") {
        throw UsageError(fmt::format("--format must be table or csv, not '{}'", format));
    }
    const std::string opt_name = args["opt"].as<std::string>();
    const auto opt = photonic::parse_opt_flag(opt_name);
    if (!opt) {
        throw UsageError(
            fmt::format("--opt must be arch_opt, crossbar or broadcast, not '{}'", opt_name));
    }
    const std::string model_name = args["model"].as<std::string>();
    const auto shape = workload::find_preset(model_name);
    if (!shape) {
        throw UsageError(fmt::format("unknown model '{}'", model_name));
    }
    if (args.count("prompt") + args.count("decode") != 0 && shape->is_encoder()) {
        throw UsageError(
            fmt::format("{} is an encoder: use --tokens, not --prompt/--decode", model_name));
    }
    std::uint32_t tokens = kDeitTokens;
    if (args.count("tokens") != 0) {
        tokens = args["tokens"].as<std::uint32_t>();
    } else if (shape->family != workload::Family::deit) {
        throw UsageError(fmt::format("{} needs --tokens N (the sequence length)", model_name));
    }
    // Bounds keep every event count of the model far from 64-bit overflow.
    if (tokens == 0 || tokens > kMaxTokens) {
        throw UsageError(fmt::format("--tokens must be between 1 and {}", kMaxTokens));
    }
    const std::uint32_t batch = args["batch"].as<std::uint32_t>();
    if (batch == 0 || batch > kMaxBatch) {
        throw UsageError(fmt::format("--batch must be between 1 and {}", kMaxBatch));
    }

    photonic::ArchSpec arch =
        config::load_arch(args.count("arch") != 0 ? args["arch"].as<std::string>()
                                                  : std::string(config::kDefaultArchName));
    arch.apply_opt(*opt);
    const std::string flag(photonic::opt_flag_name(arch.reported_flag(*opt)));
    const photonic::MemorySpec mem{};

    EstimateReport report;
    std::string title;
    if (args.count("compat") != 0) {
        const std::string compat = args["compat"].as<std::string>();
        if (compat != "hpca24") {
            throw UsageError(fmt::format("--compat knows only hpca24, not '{}'", compat));
        }
        if (batch != 1) {
            throw UsageError("--compat hpca24 models batch 1 only");
        }
        const auto model = photonic::make_cost_model(arch, photonic::CostOptions{true});
        const photonic::Hpca24Estimate est = photonic::estimate_hpca24(*model, *shape, tokens);
        if (args.count("breakdown") != 0) {
            write_compat_breakdown(args["breakdown"].as<std::string>(), est, arch.core_type);
        }
        report = compat_report(est);
        title = fmt::format("{} ({} tokens) on {} [{}], compat hpca24", model_name, tokens,
                            arch.name, flag);
    } else {
        const auto model = photonic::make_cost_model(arch, photonic::CostOptions{false});
        report = default_report(*model, encoder_ops(*shape, batch, tokens), mem);
        if (args.count("breakdown") != 0) {
            write_breakdown(args["breakdown"].as<std::string>(), report);
        }
        title = fmt::format("{} ({} tokens, batch {}, {} layers) on {} [{}]", model_name, tokens,
                            batch, shape->layers, arch.name, flag);
    }
    report.model = model_name;
    report.arch = arch.name;
    report.opt = flag;
    if (format == "csv") {
        print_csv(report);
    } else {
        print_table(report, title);
    }
    return 0;
}

}  // namespace

int cmd_estimate(int argc, char** argv) {
    auto options = estimate_options();
    return run_guarded([&] {
        const auto args = parse_or_throw(options, argc, argv);
        if (args.count("help") != 0) {
            fmt::print("{}", options.help());
            return 0;
        }
        return run_estimate(args);
    });
}

}  // namespace ltdes::cli
