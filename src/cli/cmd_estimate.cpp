// SPDX-License-Identifier: MIT
// `lt-des estimate`: the analytical cost model on a workload, without the DES and without MPI
// (CONTRACTS.md §5). `--compat hpca24` reproduces the reference simulator row by row.
#include "cli/commands.hpp"
#include "cli/estimate_output.hpp"
#include "cli/estimate_report.hpp"
#include "cli/options.hpp"

#include "ltdes/config/arch_loader.hpp"
#include "ltdes/config/hf_config.hpp"
#include "ltdes/core/error.hpp"
#include "ltdes/photonic/cost_model.hpp"
#include "ltdes/photonic/hpca24_estimate.hpp"
#include "ltdes/trace/trace_reader.hpp"
#include "ltdes/workload/op_graph.hpp"
#include "ltdes/workload/presets.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
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

/// Sums op costs into rows keyed by op name (prefixed by the phase for decoders, whose prefill
/// and decode passes repeat the same names). Fast path for long decoder traces: ops come in a
/// repeating order, so the row that followed the previous op's row last time is tried first.
class RowAccumulator {
public:
    RowAccumulator(const photonic::CostModel& model,
                   const photonic::MemorySpec& mem,
                   bool decoder,
                   EstimateRecorder* recorder = nullptr)
        : model_(model), mem_(mem), decoder_(decoder), recorder_(recorder) {}

    void add(const workload::Op& op) {
        const photonic::OpCost c = model_.cost(op, mem_);
        const std::size_t i = row_of(op);
        EstimateRow& row = report_.rows[i];
        row.count += 1;
        row.energy += c.energy;
        row.latency_ms += c.latency_s * 1e3;
        total_pj_ += c.energy.total();
        total_s_ += c.latency_s;
        if (recorder_ != nullptr) {
            recorder_->add(op, c.latency_s, c.energy);
        }
    }

    EstimateReport finish() {
        for (auto& row : report_.rows) {
            row.energy_mj = row.energy.total() * 1e-9;
        }
        report_.total_energy_mj = total_pj_ * 1e-9;
        report_.total_latency_ms = total_s_ * 1e3;
        return std::move(report_);
    }

private:
    static constexpr std::size_t kNone = static_cast<std::size_t>(-1);

    bool matches(std::size_t i, const workload::Op& op) const {
        return phases_[i] == op.phase && names_[i] == op.name;
    }

    std::size_t row_of(const workload::Op& op) {
        std::size_t found = kNone;
        if (prev_ != kNone && next_[prev_] != kNone && matches(next_[prev_], op)) {
            found = next_[prev_];
        } else {
            for (std::size_t i = 0; i < names_.size(); ++i) {
                if (matches(i, op)) {
                    found = i;
                    break;
                }
            }
        }
        if (found == kNone) {
            found = names_.size();
            names_.push_back(op.name);
            phases_.push_back(op.phase);
            next_.push_back(kNone);
            const std::string name =
                decoder_ ? fmt::format("{}/{}",
                                       workload::kPhaseNames[static_cast<std::size_t>(op.phase)],
                                       op.name)
                         : op.name;
            report_.rows.push_back(EstimateRow{name, kind_label(op), 0, 0.0, 0.0, {}});
        }
        if (prev_ != kNone) {
            next_[prev_] = found;
        }
        prev_ = found;
        return found;
    }

    const photonic::CostModel& model_;
    photonic::MemorySpec mem_;
    bool decoder_;
    EstimateRecorder* recorder_;  ///< --out: every costed op also becomes a timeline row
    EstimateReport report_;
    std::vector<std::string> names_;       ///< op name of each row
    std::vector<workload::Phase> phases_;  ///< phase of each row
    std::vector<std::size_t> next_;        ///< row seen after each row last time
    std::size_t prev_ = kNone;
    double total_pj_ = 0.0;
    double total_s_ = 0.0;
};

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

/// The workload an estimate runs: a model shape and what is run on it, from a preset, a
/// Hugging Face config or a trace header.
struct Source {
    workload::ModelShape shape;
    workload::WorkloadSpec spec;
    std::optional<std::string> trace;  ///< ops come from this file instead of the op graph
};

Source resolve_source(const cxxopts::ParseResult& args) {
    Source src;
    if (args.count("trace") != 0) {
        const std::string path = args["trace"].as<std::string>();
        for (const char* opt : {"tokens", "prompt", "decode", "batch"}) {
            if (args.count(opt) != 0) {
                throw UsageError(
                    fmt::format("--{} cannot be combined with --trace (the trace "
                                "fixes the workload)",
                                opt));
            }
        }
        const trace::TraceReader reader(path);
        src.shape = reader.header().model;
        src.spec = reader.header().workload;
        src.trace = path;
        return src;
    }
    if (args.count("model") != 0) {
        const std::string name = args["model"].as<std::string>();
        const auto preset = workload::find_preset(name);
        if (!preset) {
            throw UsageError(fmt::format("unknown model '{}' (presets: {})", name,
                                         fmt::join(workload::preset_names(), ", ")));
        }
        src.shape = *preset;
    } else {
        src.shape = config::load_hf_config(args["hf-config"].as<std::string>());
    }
    const std::string& name = src.shape.name;
    if (args.count("compat") != 0 && !src.shape.is_encoder()) {
        throw UsageError(fmt::format(
            "--compat hpca24 is defined for DeiT and BERT encoders only, not {}", name));
    }
    src.spec.batch = args["batch"].as<std::uint32_t>();
    if (src.spec.batch == 0 || src.spec.batch > kMaxBatch) {
        throw UsageError(fmt::format("--batch must be between 1 and {}", kMaxBatch));
    }
    if (src.shape.is_encoder()) {
        if (args.count("prompt") + args.count("decode") != 0) {
            throw UsageError(
                fmt::format("{} is an encoder: use --tokens, not --prompt/--decode", name));
        }
        if (args.count("tokens") != 0) {
            src.spec.prompt = args["tokens"].as<std::uint32_t>();
        } else if (src.shape.family == workload::Family::deit) {
            src.spec.prompt = src.shape.patches != 0 ? src.shape.patches + 1 : kDeitTokens;
        } else {
            throw UsageError(fmt::format("{} needs --tokens N (the sequence length)", name));
        }
    } else {
        if (args.count("tokens") != 0) {
            throw UsageError(
                fmt::format("{} is a decoder: use --prompt N [--decode N], not --tokens", name));
        }
        if (args.count("prompt") == 0) {
            throw UsageError(fmt::format("{} needs --prompt N (and --decode N)", name));
        }
        src.spec.prompt = args["prompt"].as<std::uint32_t>();
        src.spec.decode = args.count("decode") != 0 ? args["decode"].as<std::uint32_t>() : 0;
        if (src.spec.decode > kMaxTokens) {
            throw UsageError(fmt::format("--decode must be at most {}", kMaxTokens));
        }
    }
    // Bounds keep every event count of the model far from 64-bit overflow.
    if (src.spec.prompt == 0 || src.spec.prompt > kMaxTokens) {
        throw UsageError(fmt::format("--tokens/--prompt must be between 1 and {}", kMaxTokens));
    }
    return src;
}

/// Tokens an estimate processes over all requests (`generated`: those decode steps produce).
std::uint64_t tokens_of(const workload::WorkloadSpec& w, bool generated) {
    const std::uint64_t per_request = generated ? w.decode : std::uint64_t{w.prompt} + w.decode;
    return per_request * w.batch;
}

/// What `estimate --out` records in /metadata: the resolved inputs, the input files, the chip.
output::RunMetadata estimate_metadata(const cxxopts::ParseResult& args,
                                      const Source& src,
                                      const photonic::ArchSpec& arch,
                                      const std::string& flag) {
    output::RunMetadata m;
    m.config_yaml = fmt::format(
        "command: estimate\nmodel: {}\nworkload: {{batch: {}, prompt: {}, decode: {}}}\n"
        "arch: {}\nopt: {}\n",
        src.shape.name, src.spec.batch, src.spec.prompt, src.spec.decode, arch.name, flag);
    if (src.trace) {
        m.inputs.push_back({"trace", *src.trace});
    }
    if (args.count("hf-config") != 0) {
        m.inputs.push_back({"hf-config", args["hf-config"].as<std::string>()});
    }
    if (args.count("arch") != 0 &&
        std::filesystem::is_regular_file(args["arch"].as<std::string>())) {
        m.inputs.push_back({"arch", args["arch"].as<std::string>()});
    }
    m.trace_summary = {{"model", src.shape.name},
                       {"batch", std::to_string(src.spec.batch)},
                       {"prompt", std::to_string(src.spec.prompt)},
                       {"decode", std::to_string(src.spec.decode)}};
    m.chips.push_back({0, arch.name, std::string(photonic::core_type_name(arch.core_type)),
                       arch.num_tiles, arch.num_pe_per_tile, arch.height, arch.width,
                       arch.num_wavelength, arch.work_freq_ghz, arch.in_bit});
    return m;
}

int run_estimate(const cxxopts::ParseResult& args) {
    const int sources =
        static_cast<int>(args.count("model") + args.count("hf-config") + args.count("trace"));
    if (sources != 1) {
        throw UsageError(
            "estimate needs exactly one of --model NAME, --hf-config PATH, --trace FILE");
    }
    if (args.count("out") != 0 && args.count("compat") != 0) {
        throw UsageError("--out cannot be combined with --compat");
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
    const Source src = resolve_source(args);
    const workload::ModelShape& shape = src.shape;

    photonic::ArchSpec arch =
        config::load_arch(args.count("arch") != 0 ? args["arch"].as<std::string>()
                                                  : std::string(config::kDefaultArchName));
    arch.apply_opt(*opt);
    if (src.trace && src.spec.bits != arch.in_bit) {
        fmt::print(stderr,
                   "lt-des: warning: {} was generated for {} bits; the arch {} computes at {} "
                   "bits\n",
                   *src.trace, src.spec.bits, arch.name, arch.in_bit);
    }
    const std::string flag(photonic::opt_flag_name(arch.reported_flag(*opt)));
    const photonic::MemorySpec mem{};

    // --out: checks the path and starts MPI before the work (CONTRACTS.md §5, §7).
    std::unique_ptr<EstimateRecorder> recorder;
    if (args.count("out") != 0) {
        recorder = std::make_unique<EstimateRecorder>(args["out"].as<std::string>(),
                                                      args.count("force") != 0);
    }

    EstimateReport report;
    std::string title;
    if (args.count("compat") != 0) {
        const std::string compat = args["compat"].as<std::string>();
        if (compat != "hpca24") {
            throw UsageError(fmt::format("--compat knows only hpca24, not '{}'", compat));
        }
        if (!shape.is_encoder()) {
            throw UsageError(fmt::format(
                "--compat hpca24 is defined for DeiT and BERT encoders only, not {}", shape.name));
        }
        if (src.spec.batch != 1) {
            throw UsageError("--compat hpca24 models batch 1 only");
        }
        const auto model = photonic::make_cost_model(arch, photonic::CostOptions{true});
        const photonic::Hpca24Estimate est =
            photonic::estimate_hpca24(*model, shape, src.spec.prompt);
        if (args.count("breakdown") != 0) {
            write_compat_breakdown(args["breakdown"].as<std::string>(), est, arch.core_type);
        }
        report = compat_report(est);
        title = fmt::format("{} ({} tokens) on {} [{}], compat hpca24", shape.name, src.spec.prompt,
                            arch.name, flag);
    } else {
        const auto model = photonic::make_cost_model(arch, photonic::CostOptions{false});
        RowAccumulator rows(*model, mem, !shape.is_encoder(), recorder.get());
        workload::Op op;
        if (src.trace) {
            trace::TraceReader reader(*src.trace);
            while (reader.next(op)) {
                rows.add(op);
            }
        } else {
            workload::OpGraph graph = workload::build_workload(shape, src.spec);
            while (graph.next(op)) {
                rows.add(op);
            }
        }
        report = rows.finish();
        if (args.count("breakdown") != 0) {
            write_breakdown(args["breakdown"].as<std::string>(), report);
        }
        title = shape.is_encoder()
                    ? fmt::format("{} ({} tokens, batch {}, {} layers) on {} [{}]", shape.name,
                                  src.spec.prompt, src.spec.batch, shape.layers, arch.name, flag)
                    : fmt::format("{} (prompt {}, decode {}, batch {}, {} layers) on {} [{}]",
                                  shape.name, src.spec.prompt, src.spec.decode, src.spec.batch,
                                  shape.layers, arch.name, flag);
    }
    report.model = shape.name;
    report.arch = arch.name;
    report.opt = flag;
    if (recorder) {
        recorder->finish(estimate_metadata(args, src, arch, flag), tokens_of(src.spec, false),
                         tokens_of(src.spec, true));
    }
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
