// SPDX-License-Identifier: MIT
#include "ltdes/config/cluster_config.hpp"

#include "config/yaml_document.hpp"

#include "ltdes/config/arch_loader.hpp"
#include "ltdes/core/error.hpp"
#include "ltdes/core/error_text.hpp"
#include "ltdes/core/input_file.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <initializer_list>
#include <limits>
#include <set>
#include <vector>

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
        return fmt::format("'{}'", clip_value(n.Scalar()));
    }
    return n.IsMap() ? "a map" : "a list";
}

std::uint32_t to_u32(const Where& w,
                     const YAML::Node& n,
                     std::string_view key,
                     std::uint32_t hi = std::numeric_limits<std::uint32_t>::max()) {
    if (!n.IsScalar()) {
        w.fail(n, key, fmt::format("expected a non-negative integer, got {}", describe(n)));
    }
    const std::string& s = n.Scalar();
    std::uint32_t v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size() || s.empty()) {
        w.fail(n, key, fmt::format("expected an integer 0 to {}, got '{}'", hi, clip_value(s)));
    }
    if (v > hi) {
        w.fail(n, key, fmt::format("{} is out of range: expected 0 to {}", v, hi));
    }
    return v;
}

/// A real value in [lo, hi] (docs/robustness.md lists every key's range: wide enough for any
/// hardware, narrow enough that no time or energy overflows).
double to_double(const Where& w, const YAML::Node& n, std::string_view key, double lo, double hi) {
    if (!n.IsScalar() || n.Scalar().empty()) {
        w.fail(n, key, fmt::format("expected a number, got {}", describe(n)));
    }
    const std::string& s = n.Scalar();
    char* end = nullptr;
    const double v = std::strtod(s.c_str(), &end);
    if (end != s.c_str() + s.size() || !std::isfinite(v)) {
        w.fail(n, key, fmt::format("expected a finite number, got '{}'", clip_value(s)));
    }
    if (!(v >= lo && v <= hi)) {
        w.fail(n, key, fmt::format("{} is out of range: expected {} to {}", clip_value(s), lo, hi));
    }
    return v;
}

// Ranges of the cluster's real values.
constexpr double kMinBandwidthGbps = 1e-3;  // 1 Mb/s
constexpr double kMaxBandwidthGbps = 1e9;   // 1 Eb/s
constexpr double kMaxPjPerBit = 1e6;
constexpr double kMaxLatencyNs = 1e9;  // 1 s per hop
constexpr double kMaxFiberM = 1e6;     // 1000 km
constexpr double kMaxPowerW = 1e6;
constexpr double kMaxExcessDb = 10.0;                  // per 1:2 splitter stage
constexpr std::uint32_t kMaxReaders = 1U << 20;        // the most chips a cluster has
constexpr std::uint32_t kMaxBatch = 1U << 20;          // requests in one iteration
constexpr std::uint32_t kMaxBatchedTokens = 1U << 30;  // tokens in one iteration
constexpr std::uint32_t kMaxKvBlockTokens = 1U << 20;  // tokens per KV block
constexpr double kMaxSloS = 1e6;                       // an SLO of ~11 days

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
    std::set<std::string> seen;
    for (const auto& entry : map) {
        if (!entry.first.IsScalar()) {
            w.fail(entry.first, prefix.empty() ? "(top level)" : prefix,
                   "expected a plain key name (a list, map or null cannot be a key)");
        }
        const std::string& name = entry.first.Scalar();
        const auto path = join(prefix, clip_value(name));
        if (!seen.insert(name).second) {
            w.fail(entry.first, path, "given twice in the same map");
        }
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
                     if (k == "bandwidth_gbps") {
                         s.bandwidth_gbps =
                             to_double(w, v, path, kMinBandwidthGbps, kMaxBandwidthGbps);
                     } else if (k == "energy_pj_per_bit") {
                         s.energy_pj_per_bit = to_double(w, v, path, 0.0, kMaxPjPerBit);
                     } else if (k == "latency_ns") {
                         s.latency_ns = to_double(w, v, path, 0.0, kMaxLatencyNs);
                     } else if (k == "fiber_m") {
                         s.fiber_m = to_double(w, v, path, 0.0, kMaxFiberM);
                     } else {
                         s.idle_power_w = to_double(w, v, path, 0.0, kMaxPowerW);
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
                s.max_readers = to_u32(w, v, path, kMaxReaders);
            } else if (k == "bandwidth_gbps") {
                s.bandwidth_gbps = to_double(w, v, path, kMinBandwidthGbps, kMaxBandwidthGbps);
            } else if (k == "e_tx_pj_per_bit") {
                s.e_tx_pj_per_bit = to_double(w, v, path, 0.0, kMaxPjPerBit);
            } else if (k == "e_rx_pj_per_bit") {
                s.e_rx_pj_per_bit = to_double(w, v, path, 0.0, kMaxPjPerBit);
            } else if (k == "e_laser_pj_per_bit_per_reader") {
                s.e_laser_pj_per_bit_per_reader = to_double(w, v, path, 0.0, kMaxPjPerBit);
            } else if (k == "splitter_excess_db_per_stage") {
                s.splitter_excess_db_per_stage = to_double(w, v, path, 0.0, kMaxExcessDb);
            } else {
                s.latency_ns = to_double(w, v, path, 0.0, kMaxLatencyNs);
            }
        });
}

void merge_dram(const Where& w, const YAML::Node& n, cluster::DramSpec& s) {
    for_each_key(w, n, "dram", {"bandwidth_bps", "latency_ns", "capacity_gib"},
                 [&](std::string_view k, const YAML::Node& v, const std::string& path) {
                     if (k == "bandwidth_bps") {
                         s.bandwidth_bps = to_double(w, v, path, 1e9, 1e18);
                     } else if (k == "latency_ns") {
                         s.latency_ns = to_double(w, v, path, 0.0, kMaxLatencyNs);
                     } else {
                         s.capacity_gib = to_double(w, v, path, 1e-6, 1e9);
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
    for_each_key(w, n, "plan", {"tp", "pp", "dp", "ep"},
                 [&](std::string_view k, const YAML::Node& v, const std::string& path) {
                     const std::uint32_t x = to_u32(w, v, path);
                     if (k == "tp") {
                         s.tp = x;
                     } else if (k == "pp") {
                         s.pp = x;
                     } else if (k == "dp") {
                         s.dp = x;
                     } else {
                         s.ep = x;
                     }
                 });
}

void merge_moe(const Where& w, const YAML::Node& n, workload::MoeSpec& s) {
    for_each_key(w, n, "moe", {"routing", "capacity_factor", "seed"},
                 [&](std::string_view k, const YAML::Node& v, const std::string& path) {
                     if (k == "routing") {
                         const std::string text = to_string(w, v, path);
                         if (!workload::parse_moe_routing(text, s)) {
                             w.fail(v, path,
                                    fmt::format("expected uniform, round_robin or zipf:S "
                                                "(0 < S <= 100), got {}",
                                                describe(v)));
                         }
                     } else if (k == "capacity_factor") {
                         s.capacity_factor = v.IsScalar() && v.Scalar() == "none"
                                                 ? 0.0
                                                 : to_double(w, v, path, 0.0, 1e6);
                     } else {
                         s.seed = to_u32(w, v, path);
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
    std::error_code ec;
    if (!p.has_parent_path() && !std::filesystem::exists(base / p, ec)) {
        // A bare built-in name (`arch: a100-sxm`) with no such file beside the cluster file.
        const std::string stem = p.extension() == ".yaml" ? p.stem().string() : arch;
        for (const std::string_view name : builtin_arch_names()) {
            if (name == stem) {
                return arch;
            }
        }
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

/// The index of `v` in `names`, or a failure listing them.
template <std::size_t N>
std::size_t to_enum(const Where& w,
                    const YAML::Node& v,
                    const std::string& path,
                    const std::array<std::string_view, N>& names) {
    const auto name = v.IsScalar() ? v.Scalar() : std::string();
    for (std::size_t i = 0; i < N; ++i) {
        if (names[i] == name) {
            return i;
        }
    }
    w.fail(v, path, fmt::format("expected {}, got {}", fmt::join(names, " or "), describe(v)));
}

void merge_collective(const Where& w, const YAML::Node& n, cluster::CollectiveSpec& s) {
    for_each_key(w, n, "collective", {"algorithm", "chunking"},
                 [&](std::string_view k, const YAML::Node& v, const std::string& path) {
                     if (k == "algorithm") {
                         s.algorithm = static_cast<cluster::CollectiveAlgorithm>(
                             to_enum(w, v, path, cluster::kCollectiveAlgorithmNames));
                     } else {
                         s.chunking = to_u32(w, v, path);
                         if (s.chunking == 0 || s.chunking > cluster::kMaxChunking) {
                             w.fail(v, path,
                                    fmt::format("expected 1 to {}, got {}", cluster::kMaxChunking,
                                                s.chunking));
                         }
                     }
                 });
}

void merge_torus(const Where& w, const YAML::Node& n, cluster::TorusSpec& s) {
    for_each_key(w, n, "torus", {"columns"},
                 [&](std::string_view, const YAML::Node& v, const std::string& path) {
                     s.columns = to_u32(w, v, path);
                 });
}

void merge_switch(const Where& w, const YAML::Node& n, cluster::SwitchSpec& s) {
    for_each_key(w, n, "switch", {"port_bandwidth_gbps", "latency_ns", "energy_pj_per_bit"},
                 [&](std::string_view k, const YAML::Node& v, const std::string& path) {
                     if (k == "port_bandwidth_gbps") {
                         s.port_bandwidth_gbps =
                             to_double(w, v, path, kMinBandwidthGbps, kMaxBandwidthGbps);
                     } else if (k == "latency_ns") {
                         s.latency_ns = to_double(w, v, path, 0.0, kMaxLatencyNs);
                     } else {
                         s.energy_pj_per_bit = to_double(w, v, path, 0.0, kMaxPjPerBit);
                     }
                 });
}

void merge_scheduler(const Where& w, const YAML::Node& n, cluster::SchedulerSpec& s) {
    for_each_key(
        w, n, "scheduler",
        {"mode", "max_batch", "max_batched_tokens", "chunked_prefill", "kv_block_tokens", "router",
         "dispatch_latency_ns", "fidelity", "skip_unfit", "slo_ttft_s", "slo_tpot_s"},
        [&](std::string_view k, const YAML::Node& v, const std::string& p) {
            if (k == "mode") {
                s.scheduler = static_cast<cluster::SchedulerMode>(
                    to_enum(w, v, p, cluster::kSchedulerModeNames));
            } else if (k == "max_batch") {
                s.max_batch = to_u32(w, v, p, kMaxBatch);
                s.given |= cluster::SchedulerSpec::kGivenMaxBatch;
            } else if (k == "max_batched_tokens") {
                s.max_batched_tokens = to_u32(w, v, p, kMaxBatchedTokens);
                s.given |= cluster::SchedulerSpec::kGivenMaxBatchedTokens;
            } else if (k == "chunked_prefill") {
                s.chunked_prefill = to_bool(w, v, p);
                s.given |= cluster::SchedulerSpec::kGivenChunkedPrefill;
            } else if (k == "kv_block_tokens") {
                s.kv_block_tokens = to_u32(w, v, p, kMaxKvBlockTokens);
            } else if (k == "router") {
                s.router = static_cast<cluster::RouterPolicy>(
                    to_enum(w, v, p, cluster::kRouterPolicyNames));
            } else if (k == "dispatch_latency_ns") {
                s.dispatch_latency_ns = to_double(w, v, p, 1e-3, kMaxLatencyNs);
            } else if (k == "fidelity") {
                s.fidelity =
                    static_cast<cluster::Fidelity>(to_enum(w, v, p, cluster::kFidelityNames));
            } else if (k == "skip_unfit") {
                s.skip_unfit = to_bool(w, v, p);
            } else if (k == "slo_ttft_s") {
                s.slo_ttft_s = to_double(w, v, p, 0.0, kMaxSloS);
            } else {
                s.slo_tpot_s = to_double(w, v, p, 0.0, kMaxSloS);
            }
        });
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
         "bcast", "torus", "switch", "dram", "collective", "static", "scheduler", "moe"},
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
                    w.fail(v, path,
                           fmt::format("expected ring, fully_connected, bus, torus, switch or "
                                       "bus_per_tp, got {}",
                                       describe(v)));
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
            } else if (k == "torus") {
                merge_torus(w, v, s.torus);
            } else if (k == "switch") {
                merge_switch(w, v, s.switch_spec);
            } else if (k == "dram") {
                merge_dram(w, v, s.dram);
            } else if (k == "collective") {
                merge_collective(w, v, s.collective);
            } else if (k == "scheduler") {
                merge_scheduler(w, v, s.scheduler);
            } else if (k == "moe") {
                merge_moe(w, v, s.moe);
            } else {
                for_each_key(w, v, "static", {"enabled"},
                             [&](std::string_view, const YAML::Node& e, const std::string& p) {
                                 s.static_power.enabled = to_bool(w, e, p);
                             });
            }
        });
}

YAML::Node parse_text(std::string_view text, std::string_view source) {
    return load_single_document(text, source, "a cluster file holds one map");
}

void merge_node(ClusterSpec& spec,
                const YAML::Node& root,
                std::string_view source,
                bool with_lines,
                const std::filesystem::path& base) {
    const Where w(source, with_lines);
    ClusterSpec copy = spec;  // strong guarantee: a failed merge leaves `spec` untouched
    try {
        merge_root(w, root, copy, base);
    } catch (const YAML::Exception& e) {
        throw ConfigError(fmt::format("{}: not valid YAML: {}", source, clip_value(e.msg)));
    }
    spec = std::move(copy);
}

/// A YAML double-quoted scalar that reads back as `s`: control bytes escaped (a raw newline
/// inside quotes would fold to a space).
std::string yaml_quoted(std::string_view s) {
    std::string r = "\"";
    for (char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            r += '\\';
            r += c;
        } else if (u < 0x20 || u == 0x7f) {
            r += fmt::format("\\x{:02x}", u);
        } else {
            r += c;
        }
    }
    return r + "\"";
}

}  // namespace

cluster::ClusterSpec builtin_cluster() {
    return cluster::ClusterSpec{};
}

cluster::ClusterSpec load_cluster(const std::filesystem::path& path) {
    const std::string text = read_config_file(path, "cluster file");
    ClusterSpec spec = builtin_cluster();
    const auto source = path.string();
    merge_node(spec, parse_text(text, source), source, true, path.parent_path());
    spec.validate(source);
    return spec;
}

void merge_cluster_yaml(cluster::ClusterSpec& spec,
                        std::string_view yaml_text,
                        std::string_view source,
                        bool with_lines) {
    merge_node(spec, parse_text(yaml_text, source), source, with_lines, {});
}

void apply_cluster_set(cluster::ClusterSpec& spec,
                       std::string_view key_value,
                       std::string_view flag) {
    const auto source =
        flag.empty() ? fmt::format("--set {}", clip_value(key_value)) : std::string(flag);
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
            throw UsageError(
                fmt::format("{}: empty part in the key path '{}'", source, clip_value(key)));
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
        line(fmt::format("plan: {{tp: {}, pp: {}, dp: {}{}}}", s.plan.tp, s.plan.pp, s.plan.dp,
                         s.plan.ep > 1 ? fmt::format(", ep: {}", s.plan.ep) : std::string()));
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
    line("torus:");
    line(fmt::format("  columns: {}", s.torus.columns));
    line("switch:");
    line(fmt::format("  port_bandwidth_gbps: {}", s.switch_spec.port_bandwidth_gbps));
    line(fmt::format("  latency_ns: {}", s.switch_spec.latency_ns));
    line(fmt::format("  energy_pj_per_bit: {}", s.switch_spec.energy_pj_per_bit));
    line("dram:");
    line(fmt::format("  bandwidth_bps: {}", s.dram.bandwidth_bps));
    line(fmt::format("  latency_ns: {}", s.dram.latency_ns));
    line(fmt::format("  capacity_gib: {}", s.dram.capacity_gib));
    line("collective:");
    line(fmt::format("  algorithm: {}", cluster::kCollectiveAlgorithmNames.at(
                                            static_cast<std::size_t>(s.collective.algorithm))));
    line(fmt::format("  chunking: {}", s.collective.chunking));
    line("static:");
    line(fmt::format("  enabled: {}", s.static_power.enabled));
    const auto& q = s.scheduler;
    line("scheduler:");
    line(fmt::format("  mode: {}",
                     cluster::kSchedulerModeNames.at(static_cast<std::size_t>(q.scheduler))));
    line(fmt::format("  max_batch: {}", q.max_batch));
    line(fmt::format("  max_batched_tokens: {}", q.max_batched_tokens));
    line(fmt::format("  chunked_prefill: {}", q.chunked_prefill));
    line(fmt::format("  kv_block_tokens: {}", q.kv_block_tokens));
    line(fmt::format("  router: {}",
                     cluster::kRouterPolicyNames.at(static_cast<std::size_t>(q.router))));
    line(fmt::format("  dispatch_latency_ns: {}", q.dispatch_latency_ns));
    line(fmt::format("  fidelity: {}",
                     cluster::kFidelityNames.at(static_cast<std::size_t>(q.fidelity))));
    line(fmt::format("  skip_unfit: {}", q.skip_unfit));
    line(fmt::format("  slo_ttft_s: {}", q.slo_ttft_s));
    line(fmt::format("  slo_tpot_s: {}", q.slo_tpot_s));
    line("moe:");
    line(fmt::format("  routing: {}", workload::moe_routing_text(s.moe)));
    line(s.moe.capacity_factor > 0.0 ? fmt::format("  capacity_factor: {}", s.moe.capacity_factor)
                                     : std::string("  capacity_factor: none"));
    line(fmt::format("  seed: {}", s.moe.seed));
    return y;
}

}  // namespace ltdes::config
