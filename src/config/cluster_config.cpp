// SPDX-License-Identifier: MIT
#include "ltdes/config/cluster_config.hpp"

#include "ltdes/core/error.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <initializer_list>
#include <sstream>

namespace ltdes::config {

namespace {

using cluster::ClusterSpec;

/// Where a node came from, for messages: `source:line: key.path: what`.
class Where {
public:
    Where(std::string_view source, bool with_lines) : source_(source), with_lines_(with_lines) {}

    [[noreturn]] void fail(const YAML::Node& node,
                           std::string_view key,
                           std::string_view what) const {
        if (with_lines_ && node.Mark().line >= 0) {
            throw ConfigError(
                fmt::format("{}:{}: {}: {}", source_, node.Mark().line + 1, key, what));
        }
        throw ConfigError(fmt::format("{}: {}: {}", source_, key, what));
    }

private:
    std::string source_;
    bool with_lines_;
};

std::string join(std::string_view prefix, std::string_view key) {
    return prefix.empty() ? std::string(key) : fmt::format("{}.{}", prefix, key);
}

std::string describe(const YAML::Node& n) {
    if (n.IsNull()) {
        return "nothing";
    }
    if (n.IsScalar()) {
        return fmt::format("'{}'", n.Scalar());
    }
    return n.IsMap() ? "a map" : "a list";
}

std::uint32_t to_u32(const Where& w, const YAML::Node& n, std::string_view key) {
    if (!n.IsScalar()) {
        w.fail(n, key, fmt::format("expected a non-negative integer, got {}", describe(n)));
    }
    const std::string& s = n.Scalar();
    std::uint32_t v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size() || s.empty()) {
        w.fail(n, key, fmt::format("expected a non-negative integer, got '{}'", s));
    }
    return v;
}

double to_double(const Where& w, const YAML::Node& n, std::string_view key) {
    if (!n.IsScalar() || n.Scalar().empty()) {
        w.fail(n, key, fmt::format("expected a number, got {}", describe(n)));
    }
    const std::string& s = n.Scalar();
    char* end = nullptr;
    const double v = std::strtod(s.c_str(), &end);
    if (end != s.c_str() + s.size() || !std::isfinite(v)) {
        w.fail(n, key, fmt::format("expected a finite number, got '{}'", s));
    }
    return v;
}

bool to_bool(const Where& w, const YAML::Node& n, std::string_view key) {
    if (n.IsScalar()) {
        const std::string& s = n.Scalar();
        if (s == "true" || s == "True" || s == "TRUE") {
            return true;
        }
        if (s == "false" || s == "False" || s == "FALSE") {
            return false;
        }
    }
    w.fail(n, key, fmt::format("expected true or false, got {}", describe(n)));
}

std::string to_string(const Where& w, const YAML::Node& n, std::string_view key) {
    if (!n.IsScalar()) {
        w.fail(n, key, fmt::format("expected a string, got {}", describe(n)));
    }
    return n.Scalar();
}

/// Calls `on_key(name, value, path)` for every entry of a map; unknown names are errors listing
/// the allowed ones.
template <class OnKey>
void for_each_key(const Where& w,
                  const YAML::Node& map,
                  std::string_view prefix,
                  std::initializer_list<std::string_view> allowed,
                  OnKey&& on_key) {
    if (!map.IsMap()) {
        w.fail(map, prefix.empty() ? "(top level)" : prefix,
               fmt::format("expected a map of keys, got {}", describe(map)));
    }
    for (const auto& entry : map) {
        const auto name = entry.first.as<std::string>();
        const auto path = join(prefix, name);
        bool known = false;
        for (auto a : allowed) {
            known = known || a == name;
        }
        if (!known) {
            w.fail(entry.first, path,
                   fmt::format("unknown key (expected one of: {})", fmt::join(allowed, ", ")));
        }
        on_key(name, entry.second, path);
    }
}

void merge_link(const Where& w, const YAML::Node& n, cluster::LinkSpec& s) {
    for_each_key(w, n, "link",
                 {"bandwidth_gbps", "energy_pj_per_bit", "latency_ns", "fiber_m", "idle_power_w"},
                 [&](std::string_view k, const YAML::Node& v, const std::string& path) {
                     const double x = to_double(w, v, path);
                     if (k == "bandwidth_gbps") {
                         s.bandwidth_gbps = x;
                     } else if (k == "energy_pj_per_bit") {
                         s.energy_pj_per_bit = x;
                     } else if (k == "latency_ns") {
                         s.latency_ns = x;
                     } else if (k == "fiber_m") {
                         s.fiber_m = x;
                     } else {
                         s.idle_power_w = x;
                     }
                 });
}

void merge_bcast(const Where& w, const YAML::Node& n, cluster::BcastSpec& s) {
    for_each_key(
        w, n, "bcast",
        {"bandwidth_gbps", "e_tx_pj_per_bit", "e_rx_pj_per_bit", "e_laser_pj_per_bit_per_reader",
         "splitter_excess_db_per_stage", "max_readers", "latency_ns"},
        [&](std::string_view k, const YAML::Node& v, const std::string& path) {
            if (k == "max_readers") {
                s.max_readers = to_u32(w, v, path);
                return;
            }
            const double x = to_double(w, v, path);
            if (k == "bandwidth_gbps") {
                s.bandwidth_gbps = x;
            } else if (k == "e_tx_pj_per_bit") {
                s.e_tx_pj_per_bit = x;
            } else if (k == "e_rx_pj_per_bit") {
                s.e_rx_pj_per_bit = x;
            } else if (k == "e_laser_pj_per_bit_per_reader") {
                s.e_laser_pj_per_bit_per_reader = x;
            } else if (k == "splitter_excess_db_per_stage") {
                s.splitter_excess_db_per_stage = x;
            } else {
                s.latency_ns = x;
            }
        });
}

void merge_dram(const Where& w, const YAML::Node& n, cluster::DramSpec& s) {
    for_each_key(w, n, "dram", {"bandwidth_bps", "latency_ns", "capacity_gib"},
                 [&](std::string_view k, const YAML::Node& v, const std::string& path) {
                     const double x = to_double(w, v, path);
                     if (k == "bandwidth_bps") {
                         s.bandwidth_bps = x;
                     } else if (k == "latency_ns") {
                         s.latency_ns = x;
                     } else {
                         s.capacity_gib = x;
                     }
                 });
}

void merge_collective(const Where& w, const YAML::Node& n, cluster::CollectiveSpec& s) {
    // No `chunking`: collectives send whole messages, so the key would be ignored; it is an
    // unknown key instead (docs/cluster.md).
    for_each_key(w, n, "collective", {"all_reduce", "on_bcast_topology"},
                 [&](std::string_view k, const YAML::Node& v, const std::string& path) {
                     if (k == "all_reduce") {
                         s.all_reduce = to_string(w, v, path);
                     } else {
                         s.on_bcast_topology = to_string(w, v, path);
                     }
                 });
}

void merge_plan(const Where& w, const YAML::Node& n, cluster::PlanSpec& s) {
    if (n.IsScalar() && n.Scalar() == "auto") {
        s = cluster::PlanSpec{};
        return;
    }
    if (!n.IsMap()) {
        w.fail(n, "plan",
               fmt::format("expected auto or a map {{tp, pp, dp}}, got {}", describe(n)));
    }
    if (s.automatic) {
        // An explicit plan starts from 1·1·1: omitted factors are 1, as on the command line.
        s = cluster::PlanSpec{false, 1, 1, 1};
    }
    for_each_key(w, n, "plan", {"tp", "pp", "dp"},
                 [&](std::string_view k, const YAML::Node& v, const std::string& path) {
                     const std::uint32_t x = to_u32(w, v, path);
                     if (k == "tp") {
                         s.tp = x;
                     } else if (k == "pp") {
                         s.pp = x;
                     } else {
                         s.dp = x;
                     }
                 });
}

/// Relative arch paths in a file are relative to that file (a cluster folder stays movable).
std::string resolve_arch_path(const std::string& arch, const std::filesystem::path& base) {
    if (arch.empty() || base.empty()) {
        return arch;
    }
    const std::filesystem::path p(arch);
    if (p.is_absolute()) {
        return arch;
    }
    return (base / p).lexically_normal().string();
}

void merge_chip_arch(const Where& w,
                     const YAML::Node& n,
                     std::vector<cluster::ChipArchOverride>& out,
                     const std::filesystem::path& base) {
    if (n.IsNull()) {
        out.clear();
        return;
    }
    if (!n.IsSequence()) {
        w.fail(n, "chip_arch",
               fmt::format("expected a list of {{chip, arch}}, got {}", describe(n)));
    }
    out.clear();
    for (std::size_t i = 0; i < n.size(); ++i) {
        const auto prefix = fmt::format("chip_arch[{}]", i);
        cluster::ChipArchOverride o;
        bool has_chip = false;
        bool has_arch = false;
        for_each_key(w, n[i], prefix, {"chip", "arch"},
                     [&](std::string_view k, const YAML::Node& v, const std::string& path) {
                         if (k == "chip") {
                             o.chip = to_u32(w, v, path);
                             has_chip = true;
                         } else {
                             o.arch = resolve_arch_path(to_string(w, v, path), base);
                             has_arch = true;
                         }
                     });
        if (!has_chip || !has_arch) {
            w.fail(n[i], prefix, "needs both chip and arch");
        }
        out.push_back(std::move(o));
    }
}

void merge_root(const Where& w,
                const YAML::Node& root,
                ClusterSpec& s,
                const std::filesystem::path& base) {
    if (root.IsNull()) {
        return;  // an empty file keeps every default
    }
    for_each_key(
        w, root, "",
        {"chips", "plan", "microbatches", "overlap", "topology", "arch", "chip_arch", "link",
         "bcast", "dram", "collective", "static"},
        [&](std::string_view k, const YAML::Node& v, const std::string& path) {
            if (k == "chips") {
                s.chips = to_u32(w, v, path);
            } else if (k == "plan") {
                merge_plan(w, v, s.plan);
            } else if (k == "microbatches") {
                if (v.IsScalar() && v.Scalar() == "auto") {
                    s.microbatches = 0;
                } else {
                    s.microbatches = to_u32(w, v, path);
                    if (s.microbatches == 0) {
                        w.fail(v, path, "expected auto or an integer >= 1, got 0");
                    }
                }
            } else if (k == "overlap") {
                s.overlap = to_bool(w, v, path);
            } else if (k == "topology") {
                const auto name = v.IsScalar() ? v.Scalar() : std::string();
                bool found = false;
                for (std::size_t i = 0; i < cluster::kTopologyNames.size(); ++i) {
                    if (cluster::kTopologyNames[i] == name) {
                        s.topology = static_cast<cluster::TopologyKind>(i);
                        found = true;
                    }
                }
                if (!found) {
                    w.fail(
                        v, path,
                        fmt::format("expected ring, fully_connected or bus, got {}", describe(v)));
                }
            } else if (k == "arch") {
                s.arch =
                    v.IsNull() ? std::string() : resolve_arch_path(to_string(w, v, path), base);
            } else if (k == "chip_arch") {
                merge_chip_arch(w, v, s.chip_arch, base);
            } else if (k == "link") {
                merge_link(w, v, s.link);
            } else if (k == "bcast") {
                merge_bcast(w, v, s.bcast);
            } else if (k == "dram") {
                merge_dram(w, v, s.dram);
            } else if (k == "collective") {
                merge_collective(w, v, s.collective);
            } else {
                for_each_key(w, v, "static", {"enabled"},
                             [&](std::string_view, const YAML::Node& e, const std::string& p) {
                                 s.static_power.enabled = to_bool(w, e, p);
                             });
            }
        });
}

YAML::Node parse_text(std::string_view text, std::string_view source) {
    try {
        return YAML::Load(std::string(text));
    } catch (const YAML::Exception& e) {
        throw ConfigError(fmt::format("{}:{}: not valid YAML: {}", source, e.mark.line + 1, e.msg));
    }
}

void merge_node(ClusterSpec& spec,
                const YAML::Node& root,
                std::string_view source,
                bool with_lines,
                const std::filesystem::path& base) {
    const Where w(source, with_lines);
    ClusterSpec copy = spec;  // strong guarantee: a failed merge leaves `spec` untouched
    merge_root(w, root, copy, base);
    spec = std::move(copy);
}

std::string yaml_quoted(std::string_view s) {
    std::string r = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') {
            r += '\\';
        }
        r += c;
    }
    return r + "\"";
}

}  // namespace

cluster::ClusterSpec builtin_cluster() {
    return cluster::ClusterSpec{};
}

cluster::ClusterSpec load_cluster(const std::filesystem::path& path) {
    std::ifstream in(path);
    if (!in) {
        throw ConfigError(fmt::format("{}: cannot open the cluster file", path.string()));
    }
    std::stringstream text;
    text << in.rdbuf();
    ClusterSpec spec = builtin_cluster();
    const auto source = path.string();
    merge_node(spec, parse_text(text.str(), source), source, true, path.parent_path());
    spec.validate(source);
    return spec;
}

void merge_cluster_yaml(cluster::ClusterSpec& spec,
                        std::string_view yaml_text,
                        std::string_view source,
                        bool with_lines) {
    merge_node(spec, parse_text(yaml_text, source), source, with_lines, {});
}

void apply_cluster_set(cluster::ClusterSpec& spec, std::string_view key_value) {
    const auto source = fmt::format("--set {}", key_value);
    const auto eq = key_value.find('=');
    if (eq == std::string_view::npos || eq == 0) {
        throw UsageError(fmt::format("{}: expected KEY=VALUE (e.g. --set overlap=false)", source));
    }
    const auto key = key_value.substr(0, eq);
    const auto value = key_value.substr(eq + 1);
    YAML::Node leaf = parse_text(value, source);
    // Build {a: {b: {c: value}}} from "a.b.c" so that --set goes through the YAML parser and
    // gets exactly its checks and messages.
    std::vector<std::string> parts;
    std::size_t start = 0;
    while (true) {
        const auto dot = key.find('.', start);
        parts.emplace_back(key.substr(start, dot - start));
        if (parts.back().empty()) {
            throw UsageError(fmt::format("{}: empty part in the key path '{}'", source, key));
        }
        if (dot == std::string_view::npos) {
            break;
        }
        start = dot + 1;
    }
    YAML::Node node = leaf;
    for (auto it = parts.rbegin(); it != parts.rend(); ++it) {
        YAML::Node parent(YAML::NodeType::Map);
        parent[*it] = node;
        node = parent;
    }
    merge_node(spec, node, source, false, {});
}

std::string dump_cluster_yaml(const cluster::ClusterSpec& s) {
    std::string y;
    auto line = [&](std::string_view text) {
        y += text;
        y += '\n';
    };
    line("# lt-des effective cluster configuration");
    line(fmt::format("chips: {}", s.chips));
    if (s.plan.automatic) {
        line("plan: auto");
    } else {
        line(fmt::format("plan: {{tp: {}, pp: {}, dp: {}}}", s.plan.tp, s.plan.pp, s.plan.dp));
    }
    line(s.microbatches == 0 ? std::string("microbatches: auto")
                             : fmt::format("microbatches: {}", s.microbatches));
    line(fmt::format("overlap: {}", s.overlap));
    line(fmt::format("topology: {}", cluster::topology_name(s.topology)));
    line(s.arch.empty() ? std::string("arch: null") : fmt::format("arch: {}", yaml_quoted(s.arch)));
    if (s.chip_arch.empty()) {
        line("chip_arch: []");
    } else {
        line("chip_arch:");
        for (const auto& o : s.chip_arch) {
            line(fmt::format("  - {{chip: {}, arch: {}}}", o.chip, yaml_quoted(o.arch)));
        }
    }
    line("link:");
    line(fmt::format("  bandwidth_gbps: {}", s.link.bandwidth_gbps));
    line(fmt::format("  energy_pj_per_bit: {}", s.link.energy_pj_per_bit));
    line(fmt::format("  latency_ns: {}", s.link.latency_ns));
    line(fmt::format("  fiber_m: {}", s.link.fiber_m));
    line(fmt::format("  idle_power_w: {}", s.link.idle_power_w));
    line("bcast:");
    line(fmt::format("  bandwidth_gbps: {}", s.bcast.bandwidth_gbps));
    line(fmt::format("  e_tx_pj_per_bit: {}", s.bcast.e_tx_pj_per_bit));
    line(fmt::format("  e_rx_pj_per_bit: {}", s.bcast.e_rx_pj_per_bit));
    line(fmt::format("  e_laser_pj_per_bit_per_reader: {}", s.bcast.e_laser_pj_per_bit_per_reader));
    line(fmt::format("  splitter_excess_db_per_stage: {}", s.bcast.splitter_excess_db_per_stage));
    line(fmt::format("  max_readers: {}", s.bcast.max_readers));
    line(fmt::format("  latency_ns: {}", s.bcast.latency_ns));
    line("dram:");
    line(fmt::format("  bandwidth_bps: {}", s.dram.bandwidth_bps));
    line(fmt::format("  latency_ns: {}", s.dram.latency_ns));
    line(fmt::format("  capacity_gib: {}", s.dram.capacity_gib));
    line("collective:");
    line(fmt::format("  all_reduce: {}", s.collective.all_reduce));
    line(fmt::format("  on_bcast_topology: {}", s.collective.on_bcast_topology));
    line("static:");
    line(fmt::format("  enabled: {}", s.static_power.enabled));
    return y;
}

}  // namespace ltdes::config
