// SPDX-License-Identifier: MIT
// `lt-des estimate`: the analytical cost model on a workload, without the DES and without MPI
// (docs/commands.md). `--compat hpca24` reproduces the reference simulator row by row.
#include "cli/commands.hpp"
#include "cli/estimate_output.hpp"
#include "cli/estimate_print.hpp"
#include "cli/estimate_sweep.hpp"
#include "cli/options.hpp"

#include "ltdes/config/cluster_config.hpp"
#include "ltdes/core/error.hpp"
#include "ltdes/sim/chip_archs.hpp"
#include "ltdes/sim/estimate_report.hpp"
#include "ltdes/sim/workload_source.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

namespace ltdes::cli {

namespace {

cxxopts::Options estimate_options() {
    cxxopts::Options o("lt-des estimate",
                       "Analytical energy and latency of a workload on one chip (photonic or gpu)");
    // Lists (comma-separated) of model, arch and the token counts make a sweep (estimate_sweep).
    o.add_options()("model", "model preset (deit-t, deit-s, deit-b, bert-b, bert-l, gpt2, ...)",
                    cxxopts::value<std::vector<std::string>>())(
        "hf-config", "Hugging Face config.json", cxxopts::value<std::string>())(
        "trace", "lt-trace file", cxxopts::value<std::string>())(
        "tokens", "encoder sequence length (DeiT: 197 when omitted; BERT: required)",
        cxxopts::value<std::vector<std::int64_t>>())("prompt", "decoder prompt length",
                                                     cxxopts::value<std::vector<std::int64_t>>())(
        "decode", "decoder generated tokens", cxxopts::value<std::vector<std::int64_t>>())(
        "batch", "requests per batch (default 1)", cxxopts::value<std::vector<std::int64_t>>())(
        "arch", "arch YAML or built-in name (default: the cluster's, else Dota_B_4bit)",
        cxxopts::value<std::vector<std::string>>())(
        "cases",
        "sweep: a CSV of cases (columns model, hf_config, arch, tokens, prompt, decode, "
        "batch), one CSV row each",
        cxxopts::value<std::string>())("opt", "DOTA optimisation: arch_opt|crossbar|broadcast",
                                       cxxopts::value<std::string>()->default_value("arch_opt"))(
        "compat", "reproduce a reference simulator: hpca24", cxxopts::value<std::string>())(
        "cluster", "cluster YAML: its DRAM bandwidth and latency, and its arch unless --arch",
        cxxopts::value<std::string>())("format", "table|csv",
                                       cxxopts::value<std::string>()->default_value("table"))(
        "breakdown", "write per-component energies to this CSV", cxxopts::value<std::string>())(
        "out", "write an HDF5 result file", cxxopts::value<std::string>())(
        "force", "replace an existing --out file")("h,help", "print this help");
    return o;
}

sim::WorkloadRequest to_request(const cxxopts::ParseResult& a) {
    sim::WorkloadRequest r;
    r.model = single_arg<std::string>(a, "model");
    r.hf_config = optional_arg<std::string>(a, "hf-config");
    r.trace = optional_arg<std::string>(a, "trace");
    r.tokens = single_arg<std::int64_t>(a, "tokens");
    r.prompt = single_arg<std::int64_t>(a, "prompt");
    r.decode = single_arg<std::int64_t>(a, "decode");
    r.batch = single_arg<std::int64_t>(a, "batch");
    return r;
}

/// The one chip of an estimate: the cluster file's (or built-in) arch and DRAM, --arch first.
cluster::ClusterSpec one_chip_cluster(const cxxopts::ParseResult& args) {
    cluster::ClusterSpec c = args.count("cluster") != 0
                                 ? config::load_cluster(args["cluster"].as<std::string>())
                                 : config::builtin_cluster();
    if (const auto arch = single_arg<std::string>(args, "arch")) {
        c.arch = *arch;
    }
    return c;
}

std::string title_of(const sim::ResolvedWorkload& in, const sim::EstimateReport& r) {
    const auto& m = in.model;
    const auto& w = in.spec;
    if (r.compat) {
        return fmt::format("{} ({} tokens) on {} [{}], compat hpca24", m.name, w.prompt, r.arch,
                           r.opt);
    }
    return m.is_encoder()
               ? fmt::format("{} ({} tokens, batch {}, {} layers) on {} [{}]", m.name, w.prompt,
                             w.batch, m.layers, r.arch, r.opt)
               : fmt::format("{} (prompt {}, decode {}, batch {}, {} layers) on {} [{}]", m.name,
                             w.prompt, w.decode, w.batch, m.layers, r.arch, r.opt);
}

int run_estimate(const cxxopts::ParseResult& args, EstimateOutputOpener open_output) {
    if (is_sweep(args)) {
        return run_estimate_sweep(args, one_chip_cluster(args));
    }
    if (args.count("out") != 0 && args.count("compat") != 0) {
        throw UsageError("--out cannot be combined with --compat");
    }
    const std::string format = args["format"].as<std::string>();
    if (format != "table" && format != "csv") {
        throw UsageError(fmt::format("--format: expected table or csv, got '{}'", format));
    }
    const bool compat = args.count("compat") != 0;
    if (compat && args["compat"].as<std::string>() != "hpca24") {
        throw UsageError(
            fmt::format("--compat: expected hpca24, got '{}'", args["compat"].as<std::string>()));
    }
    sim::WorkloadRequest request = to_request(args);
    if (compat) {
        request.encoders_only = "--compat hpca24";
    }
    const sim::ResolvedWorkload input = sim::resolve_workload(request);
    if (compat && !input.model.is_encoder()) {  // a decoder trace
        throw UsageError(
            fmt::format("--compat hpca24 is defined for DeiT and BERT encoders only, not {}",
                        input.model.name));
    }
    if (compat && input.spec.batch != 1) {
        throw UsageError("--compat hpca24 models batch 1 only");
    }
    const cluster::ClusterSpec cluster = one_chip_cluster(args);
    const sim::ChipArchs archs(cluster, args["opt"].as<std::string>(), 1);
    const photonic::ArchSpec& arch = archs.arch(0);
    if (compat && arch.core_type == photonic::CoreType::gpu) {
        throw UsageError(fmt::format(
            "--compat hpca24 reproduces the photonic reference simulator; {} is a gpu", arch.name));
    }
    if (input.trace && input.spec.bits != arch.in_bit) {
        fmt::print(stderr,
                   "lt-des: warning: {} was generated for {} bits; the arch {} computes at {} "
                   "bits\n",
                   input.trace->string(), input.spec.bits, arch.name, arch.in_bit);
    }
    // --out: checks the path and starts MPI before the work.
    std::unique_ptr<EstimateOutput> out;
    if (args.count("out") != 0) {
        if (open_output == nullptr) {
            throw std::logic_error("estimate --out reached an executable that cannot write HDF5");
        }
        out = open_output(args["out"].as<std::string>(), args.count("force") != 0);
    }
    sim::EstimateReport report;
    if (compat) {
        const auto model = photonic::make_cost_model(arch, photonic::CostOptions{true});
        const photonic::Hpca24Estimate est =
            photonic::estimate_hpca24(*model, input.model, input.spec.prompt);
        if (args.count("breakdown") != 0) {
            write_compat_breakdown(args["breakdown"].as<std::string>(), est, arch.core_type);
        }
        report = sim::compat_report(est);
    } else {
        report = sim::estimate_workload(input, archs.cost_model(0), archs.memory(),
                                        archs.sram_bytes(0), out ? &out->sink() : nullptr);
        if (args.count("breakdown") != 0) {
            write_breakdown(args["breakdown"].as<std::string>(), report);
        }
    }
    report.model = input.model.name;
    report.arch = arch.name;
    report.opt = archs.reported_opt();
    if (out) {
        out->finish(input, archs, cluster,
                    args.count("cluster") != 0 ? args["cluster"].as<std::string>() : "", report);
    }
    if (format == "csv") {
        print_csv(report);
    } else {
        print_table(report, title_of(input, report));
    }
    return 0;
}

}  // namespace

int cmd_estimate(int argc, char** argv, EstimateOutputOpener open_output) {
    auto options = estimate_options();
    return run_guarded([&] {
        const auto args = parse_or_throw(options, argc, argv);
        if (args.count("help") != 0) {
            fmt::print("{}", options.help());
            return 0;
        }
        return run_estimate(args, open_output);
    });
}

}  // namespace ltdes::cli
