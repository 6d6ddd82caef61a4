// SPDX-License-Identifier: MIT
// RunSpec: everything `lt-des run` was asked to do, resolved with the precedence of
// docs/commands.md: flags > --set > cluster YAML > built-in defaults.
#pragma once

#include "ltdes/cluster/cluster_spec.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace ltdes::config {

/// How much of the timeline a run records.
enum class TimelineMode : std::uint8_t { full, layers, none };

/// A flag that stands for a cluster key (`--max-batch 8` is `scheduler.max_batch=8`): applied
/// as a `--set` after every `--set`, so it goes through the YAML parser's checks.
struct FlagSet {
    std::string key_value;  ///< "scheduler.max_batch=8"
    std::string flag;       ///< "--max-batch 8", for errors
};

/// The raw `run` command line, before any defaults are applied (unset = not given).
struct RunArgs {
    std::optional<std::string> trace;
    std::optional<std::string> arch;
    std::optional<std::string> cluster;
    std::optional<std::uint32_t> tp, pp, dp;
    std::optional<std::uint32_t> ep;         ///< expert parallelism of the plan
    std::optional<std::string> moe_routing;  ///< moe.routing
    std::optional<double> capacity_factor;   ///< moe.capacity_factor (0 = none)
    std::optional<std::uint32_t> microbatches;
    std::optional<std::string> opt;
    std::uint32_t threads = 1;
    std::optional<std::string> out;
    bool force = false;
    std::string timeline = "full";
    std::vector<std::string> sets;
    std::vector<FlagSet> flag_sets;  ///< after `sets` (flags > --set)
    bool dry_run = false;
};

/// The resolved run. Invariant: cluster.validate() passed.
struct RunSpec {
    std::filesystem::path trace;
    cluster::ClusterSpec cluster;
    std::string cluster_source;  ///< the YAML file, or "built-in" (for messages and metadata)
    std::string opt = "arch_opt";
    std::uint32_t threads = 1;
    std::filesystem::path out;  ///< default: <trace stem>.h5 in the current directory
    bool force = false;
    TimelineMode timeline = TimelineMode::full;
    bool dry_run = false;
};

/// Resolves the cluster spec: built-in defaults, then the YAML (validated alone: a file whose
/// chips differ from its tp·pp·dp is an error even when flags replace the plan), then each
/// `--set` in order, then the flags (`flag_sets` first). Any of --tp/--pp/--dp defines the whole
/// plan (omitted factors are 1, chips = tp·pp·dp); --arch replaces every chip's arch.
cluster::ClusterSpec resolve_cluster(const RunArgs& args);

/// Resolves and validates the whole command line; throws UsageError/ConfigError (exit 2).
RunSpec resolve_run_spec(const RunArgs& args);

}  // namespace ltdes::config
