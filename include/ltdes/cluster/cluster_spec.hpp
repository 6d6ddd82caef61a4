// SPDX-License-Identifier: MIT
// The cluster configuration: plain structs whose member initializers ARE the built-in defaults
// (docs/cluster.md; configs/cluster/default.yaml is a readable copy, a test checks
// that the two agree). YAML parsing lives in config/ (load_cluster).
#pragma once

#include "ltdes/cluster/scheduler_spec.hpp"
#include "ltdes/workload/moe_router.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ltdes::cluster {

/// How chips are connected.
enum class TopologyKind : std::uint8_t {
    ring,             ///< each chip has a point-to-point link to its id-neighbours (wraps around)
    fully_connected,  ///< a point-to-point link between every pair of chips
    bus,              ///< one optical broadcast bus (single writer, many readers) for all chips
    torus,            ///< 2D torus, chips row-major in rows of `torus.columns`, X-then-Y routing
    star_switch,      ///< every chip has one port on a central switch (no LP of its own)
    bus_per_tp,       ///< a ring, plus an optical broadcast bus inside each tensor group
};

inline constexpr std::array<std::string_view, 6> kTopologyNames = {
    "ring", "fully_connected", "bus", "torus", "switch", "bus_per_tp"};

/// Point-to-point optical chip-to-chip link, per direction.
struct LinkSpec {
    double bandwidth_gbps = 2000.0;  ///< 2 Tb/s: Ayar TeraPHY gen 2 / Intel OCI, per direction
    double energy_pj_per_bit = 5.0;  ///< all-in at full load (Intel OCI, Ayar < 5)
    double latency_ns = 100.0;       ///< per hop, without fibre (Celestial NIC-to-NIC ~100 ns)
    double fiber_m = 1.0;            ///< adds fiber_m · 4.9 ns (n = 1.47)
    double idle_power_w = 0.0;       ///< per link direction, charged only with static.enabled
};

/// Optical broadcast bus (SWMR: each sender owns a wavelength group every reader can tap).
/// Energy per source bit for N readers: e_tx + N·(e_rx + e_laser·10^(0.1·log2(N)/10)).
struct BcastSpec {
    double bandwidth_gbps = 2000.0;              ///< per sender
    double e_tx_pj_per_bit = 2.0;                ///< serializer + driver + modulator, once
    double e_rx_pj_per_bit = 2.0;                ///< detector + TIA + deserializer, per reader
    double e_laser_pj_per_bit_per_reader = 1.0;  ///< laser share per reader
    double splitter_excess_db_per_stage = 0.1;   ///< Y-branch insertion loss per 1:2 stage
    std::uint32_t max_readers = 16;              ///< fan-out the laser budget allows
    double latency_ns = 100.0;                   ///< sender to reader, without fibre
};

/// 2D torus shape.
struct TorusSpec {
    std::uint32_t columns = 0;  ///< chips per row (must divide chips); 0 = most square shape
};

/// Central switch (star): each chip has one port, a link to the switch and one back.
struct SwitchSpec {
    double port_bandwidth_gbps = 2000.0;  ///< per port and direction, like link.bandwidth_gbps
    double latency_ns = 100.0;            ///< through the switch, on top of the two link hops
    double energy_pj_per_bit = 10.0;      ///< switching, on top of the two links' energy
};

/// Off-chip memory of one chip. DRAM energy is the arch config's per-access constant.
struct DramSpec {
    double bandwidth_bps = 8.796093022208e12;  ///< LT's 1024^4·8 bit/s (~one HBM3E stack)
    double latency_ns = 100.0;                 ///< per access (Graphite default)
    double capacity_gib = 24.0;                ///< one HBM3E 8-high stack
};

/// Collective algorithms (docs/cluster.md, "Collectives").
enum class CollectiveAlgorithm : std::uint8_t {
    automatic,         ///< ring on point-to-point topologies, direct on the bus
    ring,              ///< reduce-scatter + all-gather around the group, 2(p-1) steps
    halving_doubling,  ///< recursive halving then doubling, 2·log2(p) steps (p a power of 2)
    direct,            ///< everyone sends each member its chunk, then its reduced chunk to all
};

inline constexpr std::array<std::string_view, 4> kCollectiveAlgorithmNames = {
    "auto", "ring", "halving_doubling", "direct"};

/// Most pieces a collective message may be cut into.
inline constexpr std::uint32_t kMaxChunking = 256;

/// How the tensor-parallel all-reduce runs.
struct CollectiveSpec {
    CollectiveAlgorithm algorithm = CollectiveAlgorithm::automatic;
    /// Pieces each ring message is cut into; piece j of step s goes as soon as piece j of step
    /// s-1 has arrived (pipelining). 1 = whole messages. Other algorithms ignore it.
    std::uint32_t chunking = 1;
};

/// The parallel plan. `automatic` picks tp/pp/dp for `chips` from the model (Plan::choose_auto).
struct PlanSpec {
    bool automatic = true;
    std::uint32_t tp = 1;  ///< tensor parallel: heads, KV heads and FFN columns split
    std::uint32_t pp = 1;  ///< pipeline parallel: contiguous layer blocks
    std::uint32_t dp = 1;  ///< data parallel: requests split across replicas
    /// Expert parallel: groups of ep consecutive replicas share their experts (ep divides dp
    /// and the experts; docs/cluster.md, "Expert parallelism").
    std::uint32_t ep = 1;
};

/// One chip that runs another arch than the cluster's.
struct ChipArchOverride {
    std::uint32_t chip = 0;
    std::string arch;  ///< arch YAML path (relative paths resolved against the cluster file)
};

/// Idle (static) energy; off by default as in the reference (lasers gated per used cycle).
struct StaticSpec {
    bool enabled = false;  ///< lasers always on while powered, plus link idle power
};

/// The whole cluster. Invariant after validate(): chips = tp·pp·dp unless the plan is automatic.
struct ClusterSpec {
    /// 64 = the benchmark shape (gpt2 on tp 4 × pp 4 × dp 4) and the largest `mpirun -n`
    /// the README promises, so every rank of `mpirun -n 64` owns a chip.
    std::uint32_t chips = 64;
    PlanSpec plan;
    std::uint32_t microbatches = 0;  ///< 0 = auto: min(pp, requests per replica)
    bool overlap = true;             ///< false: a chip runs one op at a time
    /// The tensor groups on their own buses, the rest on the ring: it beats the ring in time and
    /// energy on gpt2 and llama2-70b (docs/cluster.md, "Comparing interconnects").
    TopologyKind topology = TopologyKind::bus_per_tp;
    std::string arch;  ///< arch YAML for every chip; empty = built-in DOTA-B 4-bit
    std::vector<ChipArchOverride> chip_arch;
    LinkSpec link;
    BcastSpec bcast;
    TorusSpec torus;
    SwitchSpec switch_spec;
    DramSpec dram;
    CollectiveSpec collective;
    StaticSpec static_power;
    SchedulerSpec scheduler;  ///< serving of request traces (serving/)
    workload::MoeSpec moe;    ///< the MoE router under expert parallelism (plan.ep > 1)

    /// Throws ConfigError("<where>: <key.path>: <what was expected>") on the first bad value.
    void validate(std::string_view where) const;
};

/// Name of a topology as written in YAML.
std::string_view topology_name(TopologyKind t);

}  // namespace ltdes::cluster
