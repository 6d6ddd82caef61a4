// SPDX-License-Identifier: MIT
#include "ltdes/config/run_spec.hpp"

#include "ltdes/config/cluster_config.hpp"
#include "ltdes/core/error.hpp"
#include "ltdes/core/input_file.hpp"
#include "ltdes/photonic/arch_spec.hpp"

#include <fmt/format.h>

namespace ltdes::config {

cluster::ClusterSpec resolve_cluster(const RunArgs& args) {
    cluster::ClusterSpec spec =
        args.cluster ? load_cluster(*args.cluster) : builtin_cluster();  // validated alone
    for (const auto& kv : args.sets) {
        apply_cluster_set(spec, kv);
    }
    if (!args.sets.empty()) {
        spec.validate("--set");
    }
    for (const auto& f : args.flag_sets) {
        apply_cluster_set(spec, f.key_value, f.flag);
    }
    if (args.tp || args.pp || args.dp) {
        for (const auto* f : {&args.tp, &args.pp, &args.dp}) {
            if (*f && **f == 0) {
                throw UsageError("--tp, --pp and --dp must be >= 1");
            }
        }
        spec.plan =
            cluster::PlanSpec{false, args.tp.value_or(1), args.pp.value_or(1), args.dp.value_or(1)};
        const std::uint64_t chips = std::uint64_t{spec.plan.tp} * spec.plan.pp * spec.plan.dp;
        if (chips > (1U << 20)) {
            throw UsageError(fmt::format("--tp·--pp·--dp = {} chips is more than 1048576", chips));
        }
        spec.chips = static_cast<std::uint32_t>(chips);
    }
    if (args.ep) {
        if (*args.ep == 0) {
            throw UsageError("--ep must be >= 1");
        }
        if (spec.plan.automatic) {
            throw UsageError(
                "--ep needs an explicit plan (--tp/--pp/--dp or the cluster's plan); the plan "
                "search chooses ep itself");
        }
        spec.plan.ep = *args.ep;
    }
    if (args.moe_routing && !workload::parse_moe_routing(*args.moe_routing, spec.moe)) {
        throw UsageError(fmt::format(
            "--moe-routing: expected uniform, round_robin or zipf:S (0 < S <= 100), got '{}'",
            *args.moe_routing));
    }
    if (args.capacity_factor) {
        if (!(*args.capacity_factor >= 0.0 && *args.capacity_factor <= 1e6)) {
            throw UsageError("--capacity-factor: expected 0 (none) to 1e6");
        }
        spec.moe.capacity_factor = *args.capacity_factor;
    }
    if (args.microbatches) {
        if (*args.microbatches == 0) {
            throw UsageError("--microbatches must be >= 1");
        }
        spec.microbatches = *args.microbatches;
    }
    if (args.arch) {
        spec.arch = *args.arch;
        spec.chip_arch.clear();
    }
    spec.validate("command line");
    return spec;
}

RunSpec resolve_run_spec(const RunArgs& args) {
    RunSpec r;
    if (!args.trace) {
        throw UsageError("run needs --trace FILE (e.g. --trace traces/gpt2.trace)");
    }
    r.trace = *args.trace;
    // Decided by stat, before anything opens the trace: a FIFO (`--trace <(…)`) would be
    // consumed by the first of the reads (every rank reads it; its SHA-256 is another read).
    if (const auto why = not_a_regular_file(r.trace)) {
        throw TraceError(
            fmt::format("{}: the trace {}: lt-des reads a trace more than once (on every "
                        "rank); write it to a file first",
                        r.trace.string(), *why));
    }
    r.cluster = resolve_cluster(args);
    r.cluster_source = args.cluster.value_or("built-in");
    if (args.opt) {
        photonic::parse_opt_option(*args.opt);  // the one --opt check of every command
        r.opt = *args.opt;
    }
    if (args.threads == 0 || args.threads > 1024) {
        throw UsageError(fmt::format("--threads: expected 1..1024, got {}", args.threads));
    }
    r.threads = args.threads;
    if (args.timeline == "full") {
        r.timeline = TimelineMode::full;
    } else if (args.timeline == "layers") {
        r.timeline = TimelineMode::layers;
    } else if (args.timeline == "none") {
        r.timeline = TimelineMode::none;
    } else {
        throw UsageError(
            fmt::format("--timeline: expected full, layers or none, got '{}'", args.timeline));
    }
    r.out = args.out ? std::filesystem::path(*args.out)
                     : std::filesystem::path(r.trace.stem().string() + ".h5");
    r.force = args.force;
    r.dry_run = args.dry_run;
    return r;
}

}  // namespace ltdes::config
