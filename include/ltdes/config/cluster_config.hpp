// SPDX-License-Identifier: MIT
// Cluster YAML: loading (on top of the built-in defaults), `--set KEY=VALUE` overrides and the
// effective spec written back as YAML (`--dump-config`, /metadata/config). Every error names
// the file (and line) or the `--set` argument, and the dotted key path.
#pragma once

#include "ltdes/cluster/cluster_spec.hpp"

#include <filesystem>
#include <string>
#include <string_view>

namespace ltdes::config {

/// The built-in default cluster (the member initializers of ClusterSpec); identical to
/// configs/cluster/default.yaml.
cluster::ClusterSpec builtin_cluster();

/// Reads a cluster YAML onto the built-in defaults and validates it. Keys absent from the file
/// keep their defaults; relative arch paths in the file are resolved against its folder.
/// Throws ConfigError naming `path:line: key.path: what was expected`.
cluster::ClusterSpec load_cluster(const std::filesystem::path& path);

/// Merges the keys present in `yaml_text` into `spec` (no validation). `source` names the text
/// in errors (a file name, or `--set k=v`); `with_lines` adds `:line` after it.
void merge_cluster_yaml(cluster::ClusterSpec& spec,
                        std::string_view yaml_text,
                        std::string_view source,
                        bool with_lines = true);

/// Applies one `--set KEY=VALUE`: KEY is a dotted path into the cluster YAML (`overlap`,
/// `link.bandwidth_gbps`, `plan.tp`), VALUE a YAML value. No validation. `flag` names the
/// source in errors when the pair stands for a dedicated flag (`--max-batch 0`); empty: the
/// `--set` itself.
void apply_cluster_set(cluster::ClusterSpec& spec,
                       std::string_view key_value,
                       std::string_view flag = {});

/// The effective spec as YAML with every key, loadable by load_cluster (round trip exact:
/// doubles are printed shortest-round-trip).
std::string dump_cluster_yaml(const cluster::ClusterSpec& spec);

}  // namespace ltdes::config
