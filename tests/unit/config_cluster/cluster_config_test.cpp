// SPDX-License-Identifier: MIT
#include "ltdes/config/cluster_config.hpp"

#include "ltdes/config/run_spec.hpp"
#include "ltdes/core/error.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace ltdes::config {
namespace {

namespace fs = std::filesystem;

fs::path write_file(const std::string& name, const std::string& text) {
    const fs::path dir = fs::path(testing::TempDir()) / "ltdes_cluster_config_test";
    fs::create_directories(dir);
    const fs::path p = dir / name;
    std::ofstream(p) << text;
    return p;
}

/// The message of the ConfigError/UsageError `f` throws ("" if none).
template <class F>
std::string error_of(F&& f) {
    try {
        f();
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

TEST(ClusterConfig, BuiltinMatchesClusterParamsSection6) {
    const auto s = builtin_cluster();
    EXPECT_EQ(s.chips, 64U);
    EXPECT_TRUE(s.plan.automatic);
    EXPECT_TRUE(s.overlap);
    // The parameters' ring, plus a bus per tensor group: docs/cluster.md, "Comparing
    // interconnects", says why the default deviates.
    EXPECT_EQ(s.topology, cluster::TopologyKind::bus_per_tp);
    EXPECT_DOUBLE_EQ(s.link.bandwidth_gbps, 2000.0);
    EXPECT_DOUBLE_EQ(s.link.energy_pj_per_bit, 5.0);
    EXPECT_DOUBLE_EQ(s.link.latency_ns, 100.0);
    EXPECT_DOUBLE_EQ(s.link.fiber_m, 1.0);
    EXPECT_DOUBLE_EQ(s.bcast.e_tx_pj_per_bit, 2.0);
    EXPECT_EQ(s.bcast.max_readers, 16U);
    // 1024^4 · 8 bit/s, LT's DRAM bandwidth.
    EXPECT_EQ(s.dram.bandwidth_bps, 1024.0 * 1024.0 * 1024.0 * 1024.0 * 8.0);
    EXPECT_DOUBLE_EQ(s.dram.latency_ns, 100.0);
    EXPECT_DOUBLE_EQ(s.dram.capacity_gib, 24.0);
    EXPECT_EQ(s.collective.algorithm, cluster::CollectiveAlgorithm::automatic);
    EXPECT_EQ(s.collective.chunking, 1U);
    EXPECT_FALSE(s.static_power.enabled);
    EXPECT_NO_THROW(s.validate("built-in"));
}

TEST(ClusterConfig, ShippedDefaultYamlEqualsBuiltin) {
    const fs::path p = fs::path(LTDES_SOURCE_DIR) / "configs/cluster/default.yaml";
    EXPECT_EQ(dump_cluster_yaml(load_cluster(p)), dump_cluster_yaml(builtin_cluster()));
}

TEST(ClusterConfig, FileKeysOverrideDefaultsAndOthersStay) {
    const auto p = write_file("small.yaml",
                              "chips: 8\nplan: {tp: 2, pp: 2, dp: 2}\noverlap: false\n"
                              "topology: fully_connected\nlink:\n  bandwidth_gbps: 4000\n");
    const auto s = load_cluster(p);
    EXPECT_EQ(s.chips, 8U);
    EXPECT_FALSE(s.plan.automatic);
    EXPECT_EQ(s.plan.tp, 2U);
    EXPECT_FALSE(s.overlap);
    EXPECT_EQ(s.topology, cluster::TopologyKind::fully_connected);
    EXPECT_DOUBLE_EQ(s.link.bandwidth_gbps, 4000.0);
    EXPECT_DOUBLE_EQ(s.link.energy_pj_per_bit, 5.0);  // untouched default
}

TEST(ClusterConfig, UnknownKeyNamesFileLineAndPath) {
    const auto p = write_file("unknown.yaml", "chips: 4\nlink:\n  bandwith_gbps: 10\n");
    const auto msg = error_of([&] { load_cluster(p); });
    EXPECT_NE(msg.find("unknown.yaml:3: link.bandwith_gbps: unknown key"), std::string::npos)
        << msg;
    EXPECT_NE(msg.find("bandwidth_gbps"), std::string::npos) << msg;  // lists the allowed keys
}

TEST(ClusterConfig, WrongTypesNameTheKey) {
    EXPECT_NE(error_of([&] {
                  load_cluster(write_file("t1.yaml", "link: {latency_ns: fast}\n"));
              }).find("t1.yaml:1: link.latency_ns: expected a finite number, got 'fast'"),
              std::string::npos);
    EXPECT_NE(error_of([&] {
                  load_cluster(write_file("t2.yaml", "chips: -3\n"));
              }).find("chips: expected an integer 0 to 4294967295, got '-3'"),
              std::string::npos);
    EXPECT_NE(error_of([&] {
                  load_cluster(write_file("t3.yaml", "overlap: maybe\n"));
              }).find("overlap: expected true or false"),
              std::string::npos);
    EXPECT_NE(error_of([&] { load_cluster(write_file("t4.yaml", "topology: mesh\n")); })
                  .find("topology: expected ring, fully_connected, bus, torus, switch or "
                        "bus_per_tp, got 'mesh'"),
              std::string::npos);
    EXPECT_NE(error_of([&] {
                  load_cluster(write_file("t5.yaml", "link: 3\n"));
              }).find("link: expected a map of keys"),
              std::string::npos);
    EXPECT_NE(error_of([&] {
                  load_cluster(write_file("t6.yaml", "plan: {tp: 2, xp: 1}\n"));
              }).find("plan.xp: unknown key"),
              std::string::npos);
}

TEST(ClusterConfig, RangesAreChecked) {
    EXPECT_NE(error_of([&] {
                  load_cluster(write_file("r1.yaml", "link: {bandwidth_gbps: 0}\n"));
              }).find("link.bandwidth_gbps: 0 is out of range: expected 0.001 to 1000000000"),
              std::string::npos);
    EXPECT_NE(error_of([&] {
                  load_cluster(write_file("r2.yaml", "dram: {capacity_gib: -1}\n"));
              }).find("dram.capacity_gib: -1 is out of range: expected 1e-06 to 1000000000"),
              std::string::npos);
    EXPECT_NE(error_of([&] {
                  load_cluster(write_file("r3.yaml", "chips: 0\n"));
              }).find("chips: must be between 1"),
              std::string::npos);
    EXPECT_NE(error_of([&] {
                  load_cluster(write_file("r4.yaml", "microbatches: 0\n"));
              }).find("microbatches: expected auto or an integer >= 1"),
              std::string::npos);
    EXPECT_NE(error_of([&] {
                  load_cluster(write_file("r5.yaml", "link: {latency_ns: 0, fiber_m: 0}\n"));
              }).find("lookahead"),
              std::string::npos);
    EXPECT_NE(
        error_of([&] {
            load_cluster(write_file("r6.yaml", "chips: 2\nchip_arch: [{chip: 2, arch: a}]\n"));
        }).find("chip_arch[0].chip: chip 2 does not exist"),
        std::string::npos);
}

TEST(ClusterConfig, ChipsMustEqualPlanProductWithinAFile) {
    const auto msg =
        error_of([&] { load_cluster(write_file("m.yaml", "chips: 8\nplan: {tp: 4, pp: 4}\n")); });
    EXPECT_NE(msg.find("m.yaml: chips: must equal plan.tp·plan.pp·plan.dp = 4·4·1 = 16 (got 8)"),
              std::string::npos)
        << msg;
}

TEST(ClusterConfig, BusFanOutIsLimitedByMaxReaders) {
    const auto msg = error_of([&] {
        load_cluster(write_file("bus.yaml", "chips: 32\nplan: {tp: 32}\ntopology: bus\n"));
    });
    EXPECT_NE(msg.find("plan.tp: a bus all-gather reaches tp-1 = 31 readers"), std::string::npos)
        << msg;
}

TEST(ClusterConfig, InvalidYamlSyntaxIsAConfigError) {
    const auto msg = error_of([&] { load_cluster(write_file("bad.yaml", "link: {a: [1, 2\n")); });
    EXPECT_NE(msg.find("bad.yaml:"), std::string::npos) << msg;
    EXPECT_NE(msg.find("invalid YAML"), std::string::npos) << msg;
}

TEST(ClusterConfig, MissingFileIsAConfigError) {
    EXPECT_THROW(load_cluster("/nonexistent/cluster.yaml"), ConfigError);
}

TEST(ClusterConfig, ArchPathsAreRelativeToTheFile) {
    const auto p = write_file(
        "archs.yaml", "chips: 2\narch: a.yaml\nchip_arch:\n  - {chip: 1, arch: /abs/b.yaml}\n");
    const auto s = load_cluster(p);
    EXPECT_EQ(fs::path(s.arch), (p.parent_path() / "a.yaml").lexically_normal());
    ASSERT_EQ(s.chip_arch.size(), 1U);
    EXPECT_EQ(s.chip_arch[0].chip, 1U);
    EXPECT_EQ(s.chip_arch[0].arch, "/abs/b.yaml");
}

TEST(ClusterSet, DottedPathsSetOneKey) {
    auto s = builtin_cluster();
    apply_cluster_set(s, "overlap=false");
    apply_cluster_set(s, "link.bandwidth_gbps=4000");
    apply_cluster_set(s, "plan.tp=2");
    apply_cluster_set(s, "chips=2");
    EXPECT_FALSE(s.overlap);
    EXPECT_DOUBLE_EQ(s.link.bandwidth_gbps, 4000.0);
    EXPECT_FALSE(s.plan.automatic);
    EXPECT_EQ(s.plan.tp, 2U);
    EXPECT_EQ(s.plan.pp, 1U);  // an explicit plan starts from 1·1·1
    EXPECT_DOUBLE_EQ(s.link.latency_ns, 100.0);
    EXPECT_NO_THROW(s.validate("--set"));
}

TEST(ClusterSet, ErrorsNameTheArgumentAndKey) {
    auto s = builtin_cluster();
    EXPECT_NE(error_of([&] {
                  apply_cluster_set(s, "link.speed=3");
              }).find("--set link.speed=3: link.speed: unknown key"),
              std::string::npos);
    EXPECT_NE(error_of([&] {
                  apply_cluster_set(s, "overlap=perhaps");
              }).find("--set overlap=perhaps: overlap: expected true or false"),
              std::string::npos);
    EXPECT_THROW(apply_cluster_set(s, "overlap"), UsageError);
    EXPECT_THROW(apply_cluster_set(s, "link..x=1"), UsageError);
    // A failed --set leaves the spec as it was.
    EXPECT_TRUE(s.overlap);
}

TEST(ClusterConfig, DumpRoundTripsEveryField) {
    auto s = builtin_cluster();
    s.chips = 6;
    s.plan = {false, 3, 2, 1};
    s.microbatches = 3;
    s.overlap = false;
    s.topology = cluster::TopologyKind::bus;
    s.arch = "x/dota b.yaml";
    s.chip_arch = {{4, "y.yaml"}};
    s.link.bandwidth_gbps = 1234.5678;
    s.link.fiber_m = 0.1;
    s.bcast.max_readers = 7;
    s.dram.bandwidth_bps = 1.0 / 3.0 * 1e12;
    s.static_power.enabled = true;
    const auto text = dump_cluster_yaml(s);
    auto back = builtin_cluster();
    merge_cluster_yaml(back, text, "dump");
    EXPECT_EQ(dump_cluster_yaml(back), text);
    EXPECT_EQ(back.dram.bandwidth_bps, s.dram.bandwidth_bps);  // bit-exact
    EXPECT_EQ(back.arch, "x/dota b.yaml");
    EXPECT_EQ(back.topology, cluster::TopologyKind::bus);
    EXPECT_EQ(back.plan.tp, 3U);
    EXPECT_EQ(back.microbatches, 3U);
}

TEST(RunSpec, PrecedenceFlagsOverSetOverYamlOverDefaults) {
    const auto p = write_file("prec.yaml",
                              "chips: 8\nplan: {tp: 2, pp: 2, dp: 2}\nmicrobatches: 2\n"
                              "link: {bandwidth_gbps: 1000, latency_ns: 50}\n");
    RunArgs a;
    a.trace = "traces/gpt2.trace";
    a.cluster = p.string();
    a.sets = {"link.bandwidth_gbps=3000", "microbatches=4"};
    a.tp = 4;  // defines the plan: pp, dp = 1, chips = 4
    a.microbatches = 5;
    const auto r = resolve_run_spec(a);
    EXPECT_EQ(r.cluster.chips, 4U);
    EXPECT_EQ(r.cluster.plan.tp, 4U);
    EXPECT_EQ(r.cluster.plan.pp, 1U);
    EXPECT_EQ(r.cluster.plan.dp, 1U);
    EXPECT_EQ(r.cluster.microbatches, 5U);                    // flag beats --set and YAML
    EXPECT_DOUBLE_EQ(r.cluster.link.bandwidth_gbps, 3000.0);  // --set beats YAML
    EXPECT_DOUBLE_EQ(r.cluster.link.latency_ns, 50.0);        // YAML beats default
    EXPECT_DOUBLE_EQ(r.cluster.link.energy_pj_per_bit, 5.0);  // default
    EXPECT_EQ(r.out, fs::path("gpt2.h5"));
    EXPECT_EQ(r.cluster_source, p.string());
}

TEST(RunSpec, ArchFlagReplacesPerChipArchs) {
    const auto p = write_file("perchip.yaml",
                              "chips: 2\nplan: {dp: 2}\nchip_arch: [{chip: 1, arch: l.yaml}]\n");
    RunArgs a;
    a.trace = "t.trace";
    a.cluster = p.string();
    a.arch = "configs/arch/x.yaml";
    const auto r = resolve_run_spec(a);
    EXPECT_EQ(r.cluster.arch, "configs/arch/x.yaml");
    EXPECT_TRUE(r.cluster.chip_arch.empty());
}

TEST(RunSpec, BadFlagsAreUsageErrors) {
    RunArgs a;
    EXPECT_THROW(resolve_run_spec(a), UsageError);  // no --trace
    a.trace = "t.trace";
    a.timeline = "some";
    EXPECT_THROW(resolve_run_spec(a), UsageError);
    a.timeline = "layers";
    a.threads = 0;
    EXPECT_THROW(resolve_run_spec(a), UsageError);
    a.threads = 2;
    a.opt = "fast";
    EXPECT_THROW(resolve_run_spec(a), UsageError);
    a.opt = "crossbar";
    a.pp = 0;
    EXPECT_THROW(resolve_run_spec(a), UsageError);
    a.pp = 3;
    const auto r = resolve_run_spec(a);
    EXPECT_EQ(r.cluster.chips, 3U);
    EXPECT_EQ(r.timeline, TimelineMode::layers);
}

TEST(RunSpec, YamlIsValidatedAloneEvenWhenFlagsReplaceThePlan) {
    const auto p = write_file("mismatch.yaml", "chips: 8\nplan: {tp: 4}\n");
    RunArgs a;
    a.trace = "t.trace";
    a.cluster = p.string();
    a.tp = 2;
    EXPECT_THROW(resolve_run_spec(a), ConfigError);
}

}  // namespace
}  // namespace ltdes::config

namespace ltdes::config {
namespace {

TEST(ClusterConfig, EveryShippedClusterConfigLoads) {
    const std::filesystem::path dir = std::filesystem::path(LTDES_SOURCE_DIR) / "configs/cluster";
    int loaded = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        if (entry.path().extension() == ".yaml") {
            EXPECT_NO_THROW(load_cluster(entry.path())) << entry.path();
            ++loaded;
        }
    }
    EXPECT_GE(loaded, 4);
    const auto bus = load_cluster(dir / "bus-16.yaml");
    EXPECT_EQ(bus.topology, cluster::TopologyKind::bus);
    EXPECT_EQ(bus.chips, 16U);
    const auto gpt3 = load_cluster(dir / "gpt3-1024.yaml");
    EXPECT_EQ(gpt3.plan.tp * gpt3.plan.pp * gpt3.plan.dp, 1024U);
}

// Expert parallelism (docs/cluster.md): plan.ep and the moe.* keys, in YAML, --set and flags.
TEST(ClusterConfig, ExpertParallelKeys) {
    const auto p = write_file("ep.yaml",
                              "chips: 8\nplan: {dp: 8, ep: 4}\n"
                              "moe: {routing: 'zipf:1.25', capacity_factor: 1.5, seed: 7}\n");
    const auto s = load_cluster(p);
    EXPECT_EQ(s.plan.ep, 4U);
    EXPECT_EQ(s.moe.routing, workload::MoeRoutingKind::zipf);
    EXPECT_DOUBLE_EQ(s.moe.zipf_s, 1.25);
    EXPECT_DOUBLE_EQ(s.moe.capacity_factor, 1.5);
    EXPECT_EQ(s.moe.seed, 7U);
    // The dump reads back the same.
    auto back = builtin_cluster();
    merge_cluster_yaml(back, dump_cluster_yaml(s), "dump");
    EXPECT_EQ(dump_cluster_yaml(back), dump_cluster_yaml(s));
    EXPECT_NE(dump_cluster_yaml(s).find("plan: {tp: 1, pp: 1, dp: 8, ep: 4}"), std::string::npos);
    // Errors name the file, line and key.
    EXPECT_NE(error_of([&] {
                  load_cluster(write_file("ep2.yaml", "chips: 1\nmoe:\n  routing: skewed\n"));
              }).find("ep2.yaml:3: moe.routing: expected uniform, round_robin or zipf:S"),
              std::string::npos);
    EXPECT_NE(error_of([&] {
                  load_cluster(write_file("ep3.yaml", "chips: 8\nplan: {dp: 8, ep: 3}\n"));
              }).find("plan.ep: must be >= 1 and divide plan.dp = 8"),
              std::string::npos);
    auto set = builtin_cluster();
    apply_cluster_set(set, "moe.routing=round_robin");
    apply_cluster_set(set, "moe.capacity_factor=none");
    EXPECT_EQ(set.moe.routing, workload::MoeRoutingKind::round_robin);
    EXPECT_DOUBLE_EQ(set.moe.capacity_factor, 0.0);
}

TEST(RunSpec, ExpertParallelFlags) {
    RunArgs a;
    a.trace = "t.trace";
    a.dp = 8;
    a.ep = 2;
    a.moe_routing = "zipf:2";
    a.capacity_factor = 1.25;
    const auto r = resolve_run_spec(a);
    EXPECT_EQ(r.cluster.plan.ep, 2U);
    EXPECT_EQ(r.cluster.moe.routing, workload::MoeRoutingKind::zipf);
    EXPECT_DOUBLE_EQ(r.cluster.moe.zipf_s, 2.0);
    EXPECT_DOUBLE_EQ(r.cluster.moe.capacity_factor, 1.25);
    RunArgs bad = a;
    bad.moe_routing = "zipf:";
    EXPECT_THROW(resolve_run_spec(bad), UsageError);
    RunArgs automatic;
    automatic.trace = "t.trace";
    automatic.ep = 2;  // the plan search chooses ep itself
    EXPECT_THROW(resolve_run_spec(automatic), UsageError);
    RunArgs odd = a;
    odd.ep = 3;  // does not divide dp
    EXPECT_THROW(resolve_run_spec(odd), ConfigError);
}

}  // namespace
}  // namespace ltdes::config
