// SPDX-License-Identifier: MIT
#include "ltdes/cluster/plan_search.hpp"

#include "ltdes/cluster/chip_memory.hpp"
#include "ltdes/cluster/collective.hpp"
#include "ltdes/cluster/dram_channel.hpp"
#include "ltdes/cluster/expert_placement.hpp"
#include "ltdes/cluster/op_shard.hpp"
#include "ltdes/cluster/topology.hpp"
#include "ltdes/cluster/weight_residency.hpp"
#include "ltdes/core/assert.hpp"
#include "ltdes/core/error.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <limits>
#include <map>
#include <memory>
#include <numeric>
#include <span>
#include <unordered_map>
#include <utility>

namespace ltdes::cluster {

namespace {

using workload::ModelShape;
using workload::Op;
using workload::OpKind;
using workload::Phase;
using workload::WorkloadSpec;

/// An explicit plan of the search (the Plan constructor checks what the search relies on).
Plan make_plan(const ModelShape& m,
               const WorkloadSpec& w,
               std::uint32_t tp,
               std::uint32_t pp,
               std::uint32_t dp,
               std::uint32_t ep = 1) {
    ClusterSpec s;
    s.plan = PlanSpec{false, tp, pp, dp, ep};
    s.chips = tp * pp * dp;
    return Plan(s, m, w, "plan search");
}

std::uint32_t ceil_div(std::uint32_t a, std::uint32_t b) {
    return (a + b - 1) / b;
}

/// What one distinct op shape costs on tensor rank 0 for a micro-batch of r requests.
struct ShapeCost {
    OpTiming timing;                   ///< its weights streamed from DRAM (a GEMM's first use)
    OpTiming warm;                     ///< its weights resident in SRAM (= timing if no weights)
    std::uint64_t resident_bytes = 0;  ///< a GEMM's weight shard, 0: never resident
    std::int64_t duration_ps = 0;
    bool dram = false;
    double energy_pj = 0.0;
    std::int64_t all_reduce_ps = 0;
    double all_reduce_energy_pj = 0.0;  ///< the whole tensor group's messages
    std::uint64_t out_bytes = 0;        ///< what a consumer on another stage receives
    std::int64_t after_ps = 0;          ///< ep: the dispatch all-to-all after the router
    std::int64_t before_ps = 0;         ///< ep: the combine all-to-all before moe_combine
    double all_to_all_energy_pj = 0.0;  ///< ep: both all-to-alls, the whole expert group
};

/// One layer DAG costed for one (tp, r).
struct LayerCost {
    std::int64_t latency_ps = 0;  ///< input ready → last awaited output ready
    std::int64_t core_ps = 0;     ///< busy time of the cores (all ops without overlap)
    std::int64_t dram_ps = 0;     ///< busy time of the DRAM channel (with overlap)
    std::int64_t tail_ps = 0;     ///< the last op on the cores (see Scorer::flow_through_stage)
    double energy_pj = 0.0;
    double all_reduce_energy_pj = 0.0;
    double all_to_all_energy_pj = 0.0;  ///< ep: the whole expert group
};

/// Per pass of one (tp, r, closed ring) table: prefix sums over layers, the extras, and the
/// transfer time of every layer boundary.
struct PassTable {
    /// Usually every layer of a pass costs the same and every boundary carries the same
    /// bytes: then only `layer`, `xfer_ps` and `xfer_bytes` hold them (constant memory).
    bool uniform = false;
    LayerCost layer;
    std::int64_t xfer_ps = 0;
    std::uint64_t xfer_bytes = 0;
    std::vector<std::int64_t> lat, core, dram;  ///< otherwise: prefix sums, size layers + 1
    std::vector<std::int64_t> layer_tail;       ///< otherwise: per layer, its last core op
    std::vector<std::int64_t> boundary_ps;      ///< otherwise: per boundary, transfer time
    std::vector<std::uint64_t> boundary_bytes;  ///< otherwise: per boundary
    std::int64_t first_lat = 0, first_core = 0, first_dram = 0;
    std::int64_t last_lat = 0, last_core = 0, last_dram = 0, last_tail = 0;

    /// Transfer after layer `b` (< layers − 1): time and bytes.
    std::pair<std::int64_t, std::uint64_t> boundary(std::uint32_t b) const {
        return uniform ? std::pair(xfer_ps, xfer_bytes)
                       : std::pair(boundary_ps[b], boundary_bytes[b]);
    }
};

/// Every cost of the trace for tensor degree tp and micro-batches of r requests.
struct CostTable {
    std::uint32_t tp = 1;
    std::uint32_t ep = 1;
    std::vector<ShapeCost> costs;        ///< per distinct op shape
    std::vector<LayerCost> layer_costs;  ///< per distinct layer DAG, weights streamed
    /// Per (layer DAG, residency pattern): the layer with those weights resident (lazily).
    mutable std::map<std::pair<std::uint32_t, std::uint32_t>, LayerCost> warm_layers;
    std::vector<PassTable> passes;
    double op_energy_pj = 0.0;          ///< all ops of all passes on one tensor rank
    std::int64_t core_ps = 0;           ///< their time on the cores (the lasers' busy time)
    double all_reduce_energy_pj = 0.0;  ///< all all-reduces of all passes, whole group
    double all_to_all_energy_pj = 0.0;  ///< ep: all all-to-alls of all passes, whole group
};

/// Per (table, pp): the bytes crossing the stage cuts over all passes, and what resident
/// weights save a tensor rank's micro-batch (summed over its stages) in the first pass and in
/// all later passes.
struct StageSummary {
    std::uint64_t cut_bytes = 0;
    double first_pass_saved_pj = 0.0;
    double later_passes_saved_pj = 0.0;
    std::int64_t first_pass_saved_core_ps = 0;
    std::int64_t later_passes_saved_core_ps = 0;
};

/// Which weight matrices of one stage's chip stay in SRAM (the chips' first fit in first-use
/// order, cluster::WeightResidency): per layer with any, a residency pattern (over the
/// layer's GEMMs in trace order); the same for the ops outside the blocks.
struct StageResidency {
    std::vector<std::pair<std::uint32_t, std::uint32_t>> layers;  ///< (layer, pattern id)
    std::uint32_t first_ops = 0;                                  ///< pattern id (0: none)
    std::uint32_t last_ops = 0;
};

class Scorer {
public:
    /// Passes flowed exactly with several micro-batches before one stands for several.
    static constexpr std::size_t kExactPasses = 16;

    Scorer(const TraceProfile& profile, const PlanSearchInputs& in)
        : profile_(profile), in_(in), layers_(profile.model().layers) {}

    PlanPrediction predict(const PlanCandidate& c) {
        const WorkloadSpec& w = profile_.workload();
        const std::uint32_t chips = c.chips();
        const bool closed = chips == c.tp;
        const Topology topo(in_.spec, chips, c.tp);
        const std::uint32_t last_stage_chip = (c.pp - 1) * c.tp;
        // Replica 0 serves the most requests; it decides the makespan. Its micro-batches.
        const std::uint32_t r0 = ceil_div(w.batch, c.dp);
        std::vector<Job> jobs;
        for (std::uint32_t j = 0; j < c.microbatches; ++j) {
            const std::uint32_t r = split_even(r0, c.microbatches, j).count;
            if (r == 0) {
                continue;
            }
            Job job;
            job.table = &table(c.tp, r, closed, c.ep);
            job.feedback_ps =
                c.pp > 1 ? p2p_cost(topo, last_stage_chip, 0, 4ULL * r).time.in_ps() : 0;
            jobs.push_back(job);
        }

        PlanPrediction p;
        const auto& passes = profile_.passes();
        std::vector<std::int64_t> stage_free(c.pp, 0);
        std::vector<std::int64_t> arrive(jobs.size(), 0);
        std::int64_t total = 0;
        if (jobs.size() == 1) {
            // One micro-batch: each pass is a chain through the stages.
            const std::vector<std::int64_t>& chain = chain_of(c.tp, r0, closed, c.pp, c.ep);
            for (std::size_t i = 0; i < passes.size(); ++i) {
                total += chain[i] + (i > 0 ? jobs[0].feedback_ps : 0);
                if (i == 0 && passes[i].phase == Phase::prefill) {
                    p.ttft_s = static_cast<double>(total) * 1e-12;
                }
            }
        }
        // Several micro-batches: the passes one after another. Consecutive decode passes differ
        // by one token of context, so beyond kExactPasses a pass stands for the next `stride`
        // ones (the same duration and pattern); the prefill, the first decode passes and the
        // last pass are always flowed exactly.
        const std::size_t n_passes = passes.size();
        const std::size_t stride =
            n_passes > kExactPasses ? (n_passes - 2 + kExactPasses - 1) / kExactPasses : 1;
        for (std::size_t i = 0; i < n_passes && jobs.size() > 1; ++i) {
            for (std::size_t j = 0; j < jobs.size(); ++j) {
                arrive[j] += i > 0 ? jobs[j].feedback_ps : 0;
            }
            for (std::uint32_t s = 0; s < c.pp; ++s) {
                flow_through_stage(jobs, i, c.pp, s, arrive, stage_free[s]);
            }
            const std::int64_t before = total;
            total = *std::max_element(arrive.begin(), arrive.end());
            if (i == 0 && passes[i].phase == Phase::prefill) {
                p.ttft_s = static_cast<double>(total) * 1e-12;
            }
            const std::size_t skip = i >= 2 ? std::min(stride - 1, n_passes - 2 - i) : 0;
            if (i + 1 < n_passes && skip > 0) {
                const std::int64_t shift = (total - before) * static_cast<std::int64_t>(skip);
                for (auto* v : {&arrive, &stage_free}) {
                    for (std::int64_t& t : *v) {
                        t += shift;
                    }
                }
                total += shift;
                i += skip;
            }
        }
        p.makespan_s = static_cast<double>(total) * 1e-12;
        if (w.decode > 0) {
            p.tpot_s = (p.makespan_s - p.ttft_s) / static_cast<double>(w.decode);
        }
        const double tokens = profile_.model().is_encoder()
                                  ? static_cast<double>(w.batch) * w.prompt
                                  : static_cast<double>(w.batch) * (w.decode + 1.0);
        p.throughput_tok_s = p.makespan_s > 0 ? tokens / p.makespan_s : 0.0;
        p.energy_j = energy_pj(c, topo, total) * 1e-12;
        return p;
    }

    /// One micro-batch of replica 0: its cost table and the time its token takes back from the
    /// last stage to the first.
    struct Job {
        const CostTable* table = nullptr;
        std::int64_t feedback_ps = 0;
    };

    /// The micro-batches pass stage `s` of pass `pass`: they arrive at `arrive` (ps), may start
    /// once the stage finished the previous pass (`stage_free`; older passes come first in trace
    /// order), and share its resources while they are there (catch_up), each needing its
    /// busiest resource's time. Interleaving is by whole ops, so the stage's last op (an LM
    /// head) runs for one micro-batch after another: it is served first come, first served
    /// after the shared part. The rest of a
    /// micro-batch's latency (all-reduce waits, DRAM reads in the shadow of the cores) follows.
    /// `arrive` becomes the arrival at the next stage.
    void flow_through_stage(const std::vector<Job>& jobs,
                            std::size_t pass,
                            std::uint32_t pp,
                            std::uint32_t s,
                            std::vector<std::int64_t>& arrive,
                            std::int64_t& stage_free) {
        const std::size_t n = jobs.size();
        Scratch& x = scratch_;
        x.resize(n);
        for (std::size_t j = 0; j < n; ++j) {
            // A chip reads a resident matrix from DRAM at its first use only: the first pass
            // of the first micro-batch.
            const StageFigures f = stage_figures(*jobs[j].table, pass, pp, s, pass > 0 || j > 0);
            x.work[j] = f.occupancy_ps - f.tail_ps;
            x.tail[j] = f.tail_ps;
            x.after[j] = f.latency_ps - f.occupancy_ps + f.xfer_ps;
            x.start[j] = std::max(arrive[j], stage_free);
        }
        catch_up(x.start, x.work, x.order, x.done);
        // The last ops one after another, in the order the shared parts end.
        sort_by(x.order, x.done);
        std::int64_t tail_free = 0;
        for (const std::size_t j : x.order) {
            x.done[j] = std::max(x.done[j], tail_free) + x.tail[j];
            tail_free = x.done[j];
        }
        for (std::size_t j = 0; j < n; ++j) {
            stage_free = std::max(stage_free, x.done[j]);
            arrive[j] = x.done[j] + x.after[j];
        }
    }

    /// Buffers of flow_through_stage, reused (it runs for every stage of every pass).
    struct Scratch {
        std::vector<std::int64_t> work, tail, after, start, done;
        std::vector<std::size_t> order;

        void resize(std::size_t n) {
            for (auto* v : {&work, &tail, &after, &start, &done}) {
                v->resize(n);
            }
            order.resize(n);
        }
    };

    /// `order` = indices of `key` in ascending key order, stable (insertion sort: few, nearly
    /// sorted micro-batches).
    static void sort_by(std::vector<std::size_t>& order, const std::vector<std::int64_t>& key) {
        std::iota(order.begin(), order.end(), 0U);
        for (std::size_t i = 1; i < order.size(); ++i) {
            const std::size_t v = order[i];
            std::size_t k = i;
            while (k > 0 && key[order[k - 1]] > key[v]) {
                order[k] = order[k - 1];
                --k;
            }
            order[k] = v;
        }
    }

    struct StageFigures {
        std::int64_t latency_ps = 0;    ///< one micro-batch alone, input to output
        std::int64_t occupancy_ps = 0;  ///< its busiest resource (≤ latency)
        std::int64_t xfer_ps = 0;       ///< its transfer to the next stage (0 on the last)
        std::int64_t tail_ps = 0;       ///< its last op on the cores (≤ occupancy)
    };

    /// Stage `stage` of pass `pass` for one micro-batch; `warm`: the stage's resident weights
    /// are in SRAM already (every use but the chip's first).
    StageFigures stage_figures(
        const CostTable& t, std::size_t pass, std::uint32_t pp, std::uint32_t stage, bool warm) {
        const PassTable& pt = t.passes[pass];
        const Range layers = split_even(layers_, pp, stage);
        std::int64_t lat = 0;
        std::int64_t core = 0;
        std::int64_t dram = 0;
        std::int64_t tail = 0;
        if (pt.uniform) {
            const auto count = static_cast<std::int64_t>(layers.count);
            lat = count * pt.layer.latency_ps;
            core = count * pt.layer.core_ps;
            dram = count * pt.layer.dram_ps;
            tail = layers.count > 0 ? pt.layer.tail_ps : 0;
        } else {
            lat = pt.lat[layers.end()] - pt.lat[layers.begin];
            core = pt.core[layers.end()] - pt.core[layers.begin];
            dram = pt.dram[layers.end()] - pt.dram[layers.begin];
            tail = layers.count > 0 ? pt.layer_tail[layers.end() - 1] : 0;
        }
        std::int64_t first_saved = 0;
        std::int64_t last_saved = 0;
        std::int64_t last_tail = pt.last_tail;
        if (warm && in_.sram_bytes > 0) {
            const StageResidency& res = residency(t, pp, stage);
            const auto& pass_shapes = profile_.passes()[pass];
            for (const auto& [layer, pattern] : res.layers) {
                const std::uint32_t shape = pass_shapes.layer_shape[layer];
                const LayerCost& cold = t.layer_costs[shape];
                const LayerCost& hot = warm_layer(t, shape, pattern);
                lat += hot.latency_ps - cold.latency_ps;
                core += hot.core_ps - cold.core_ps;
                dram += hot.dram_ps - cold.dram_ps;
                if (layer + 1 == layers.end()) {
                    tail = hot.tail_ps;
                }
            }
            first_saved = saved_outside(t, pass_shapes.first_ops, res.first_ops, nullptr);
            last_saved = saved_outside(t, pass_shapes.last_ops, res.last_ops, &last_tail);
        }
        StageFigures f;
        if (stage == 0) {
            lat += pt.first_lat - first_saved;
            core += pt.first_core - first_saved;
            dram += pt.first_dram;
        }
        if (stage + 1 == pp) {
            lat += pt.last_lat - last_saved;
            core += pt.last_core - last_saved;
            dram += pt.last_dram;
            tail = last_tail > 0 ? last_tail : tail;
        } else if (layers.end() >= 1 && layers.end() < layers_) {
            f.xfer_ps = pt.boundary(layers.end() - 1).first;
        }
        f.occupancy_ps = std::max(core, dram);
        f.latency_ps = std::max({lat, core, dram});
        f.tail_ps = core >= dram ? std::min(tail, f.occupancy_ps) : 0;
        return f;
    }

    /// What resident weights save on the ops outside the blocks of one pass (`entries`) with
    /// residency pattern `pattern`; `last_tail`, if given, becomes the last core op's time.
    std::int64_t saved_outside(const CostTable& t,
                               const std::vector<std::uint32_t>& entries,
                               std::uint32_t pattern,
                               std::int64_t* last_tail) const {
        if (pattern == 0) {
            return 0;
        }
        std::int64_t saved = 0;
        std::size_t gemm = 0;
        for (const std::uint32_t entry : entries) {
            const std::uint32_t shape = entry / TraceProfile::kEntryShape;
            if (profile_.shapes()[shape].kind != OpKind::gemm) {
                continue;
            }
            const ShapeCost& c = t.costs[shape];
            if (patterns_[pattern][gemm++]) {
                const std::int64_t hot = c.warm.duration.in_ps();
                saved += c.duration_ps - hot;
                if (last_tail != nullptr) {
                    *last_tail = hot;
                }
            } else if (last_tail != nullptr) {
                *last_tail = c.duration_ps;
            }
        }
        return saved;
    }

    /// The residency pattern id of a list of ops: for each GEMM among them in trace order,
    /// whether the chip keeps its matrix in SRAM (0: none does).
    std::uint32_t admit(const CostTable& t,
                        WeightResidency& sram,
                        const std::vector<std::uint32_t>& entries,
                        std::int32_t layer) {
        std::vector<bool> pattern;
        bool any = false;
        for (const std::uint32_t entry : entries) {
            const std::uint32_t shape = entry / TraceProfile::kEntryShape;
            const Op& op = profile_.shapes()[shape];
            if (op.kind != OpKind::gemm) {
                continue;
            }
            const std::uint64_t bytes = t.costs[shape].resident_bytes;
            const bool resident =
                bytes > 0 && sram.admit(layer, op.name, bytes) != WeightResidency::kStreamed;
            pattern.push_back(resident);
            any = any || resident;
        }
        if (!any) {
            return 0;
        }
        const auto [it, fresh] =
            pattern_ids_.emplace(pattern, static_cast<std::uint32_t>(patterns_.size()));
        if (fresh) {
            patterns_.push_back(std::move(pattern));
        }
        return it->second;
    }

    /// The resident weights of a chip of stage `stage` of `pp` (cached per tp, ep, pp, stage):
    /// first fit in the order of first use, the first pass's ops.
    const StageResidency& residency(const CostTable& t, std::uint32_t pp, std::uint32_t stage) {
        auto& slot = residency_[std::tuple(t.tp, t.ep, pp, stage)];
        if (!slot) {
            slot = std::make_unique<StageResidency>();
            WeightResidency sram(in_.sram_bytes);
            const TraceProfile::Pass& first = profile_.passes().front();
            if (stage == 0) {
                slot->first_ops = admit(t, sram, first.first_ops, -1);
            }
            const Range layers = split_even(layers_, pp, stage);
            for (std::uint32_t l = layers.begin; l < layers.end(); ++l) {
                const auto& shape = profile_.layer_shapes()[first.layer_shape[l]];
                const std::uint32_t id =
                    admit(t, sram, shape.entries, static_cast<std::int32_t>(l));
                if (id != 0) {
                    slot->layers.emplace_back(l, id);
                }
            }
            if (stage + 1 == pp) {
                slot->last_ops = admit(t, sram, first.last_ops, -1);
            }
        }
        return *slot;
    }

    /// Layer DAG `shape` with the weights of residency pattern `pattern` in SRAM.
    const LayerCost& warm_layer(const CostTable& t, std::uint32_t shape, std::uint32_t pattern) {
        const auto key = std::pair(shape, pattern);
        auto it = t.warm_layers.find(key);
        if (it == t.warm_layers.end()) {
            it = t.warm_layers
                     .emplace(key, schedule_layer(profile_.layer_shapes()[shape], t.costs, t.tp,
                                                  &patterns_[pattern]))
                     .first;
        }
        return it->second;
    }

    /// Completion times (`done`) of jobs arriving at `start` with `work` on a chip that runs
    /// the ready op earliest in trace order first: a micro-batch that arrives while others are
    /// still on the stage is behind them in the layers, so it runs first until it has caught
    /// up, and from then on they advance together. Every job of a busy period thus completes
    /// at its end.
    static void catch_up(const std::vector<std::int64_t>& start,
                         const std::vector<std::int64_t>& work,
                         std::vector<std::size_t>& order,
                         std::vector<std::int64_t>& done) {
        const std::size_t n = start.size();
        sort_by(order, start);
        std::size_t first = 0;
        std::int64_t end = 0;
        for (std::size_t i = 0; i < n; ++i) {
            const std::size_t j = order[i];
            if (i > 0 && start[j] >= end) {
                for (std::size_t k = first; k < i; ++k) {
                    done[order[k]] = end;
                }
                first = i;
            }
            end = (i == first ? start[j] : end) + work[j];
        }
        for (std::size_t k = first; k < n; ++k) {
            done[order[k]] = end;
        }
    }

    std::uint64_t dram_bytes(std::uint32_t tp,
                             std::uint32_t pp,
                             std::uint32_t dp,
                             std::uint32_t ep = 1) const {
        const Plan plan = make_plan(profile_.model(), profile_.workload(), tp, pp, dp, ep);
        std::uint64_t worst = 0;
        for (const std::uint32_t s : {0U, pp - 1}) {
            for (const std::uint32_t r : {0U, tp - 1}) {
                const ChipMemory mem = chip_memory(plan, plan.chip(ChipCoord{0, s, r}), in_.bits,
                                                   in_.spec.dram.capacity_gib);
                worst = std::max(worst, mem.total_bytes());
            }
        }
        return worst;
    }

    std::uint64_t capacity_bytes() const {
        const Plan plan = make_plan(profile_.model(), profile_.workload(), 1, 1, 1);
        return chip_memory(plan, 0, in_.bits, in_.spec.dram.capacity_gib).capacity_bytes;
    }

private:
    /// Energy of every micro-batch of every replica: its ops on each tensor rank, its
    /// all-reduces, its pipeline transfers and its fed-back tokens.
    /// Every micro-batch of every replica; with static.enabled also the static power of the
    /// plan's chips over `makespan_ps`, as the chips charge it: the laser while the cores idle
    /// (chips × makespan − their busy time) and each link direction's idle power.
    double energy_pj(const PlanCandidate& c, const Topology& topo, std::int64_t makespan_ps) {
        const WorkloadSpec& w = profile_.workload();
        const bool closed = c.chips() == c.tp;
        const std::uint32_t last_stage_chip = (c.pp - 1) * c.tp;
        const auto passes = static_cast<double>(profile_.passes().size());
        double e = 0.0;
        double busy_ps = 0.0;
        // `firsts` of the `times` micro-batches are the first of their replica: they read the
        // resident weights from DRAM in the first pass.
        const auto add_microbatch = [&](std::uint32_t r, std::uint32_t times,
                                        std::uint32_t firsts) {
            if (r == 0 || times == 0) {
                return;
            }
            const CostTable& t = table(c.tp, r, closed, c.ep);
            const StageSummary& st = summary(c.tp, r, closed, c.pp, c.ep);
            // All-to-all: this replica's share of its group, for each of its tensor ranks.
            double one = c.tp * (t.op_energy_pj - st.later_passes_saved_pj) +
                         (c.tp > 1 ? t.all_reduce_energy_pj : 0.0) +
                         c.tp * t.all_to_all_energy_pj / c.ep;
            const double core_ps =
                static_cast<double>(t.core_ps - st.later_passes_saved_core_ps) * times -
                static_cast<double>(st.first_pass_saved_core_ps) * (times - firsts);
            busy_ps += static_cast<double>(c.tp) * core_ps;
            e -= c.tp * st.first_pass_saved_pj * (times - firsts);
            if (c.pp > 1) {
                one += c.tp *
                       topo.transfer_energy_pj(0, std::min(c.tp, topo.chips() - 1), st.cut_bytes);
                one +=
                    c.tp * (passes - 1.0) * topo.transfer_energy_pj(last_stage_chip, 0, 4ULL * r);
            }
            e += one * times;
        };
        const auto add_replica = [&](std::uint32_t requests, std::uint32_t times) {
            if (requests == 0 || times == 0) {
                return;
            }
            const std::uint32_t q = requests / c.microbatches;
            const std::uint32_t extra = requests % c.microbatches;
            // split_even: the first `extra` micro-batches hold one request more.
            add_microbatch(q + 1, extra * times, extra > 0 ? times : 0);
            add_microbatch(q, (c.microbatches - extra) * times, extra > 0 ? 0 : times);
        };
        const std::uint32_t q = w.batch / c.dp;
        const std::uint32_t extra = w.batch % c.dp;
        add_replica(q + 1, extra);
        add_replica(q, c.dp - extra);
        if (in_.spec.static_power.enabled) {
            const std::uint32_t n = c.chips();
            // bus_per_tp: the ring's two directions and the chip's bus channel.
            const bool ring = in_.spec.topology == TopologyKind::ring ||
                              in_.spec.topology == TopologyKind::bus_per_tp;
            const double directions = n <= 1                                   ? 0.0
                                      : in_.spec.topology == TopologyKind::bus ? 1.0
                                      : ring ? (n == 2 ? 1.0 : 2.0) + (topo.has_bus() ? 1.0 : 0.0)
                                             : n - 1.0;
            const auto span = static_cast<double>(makespan_ps);
            // mW × ps = 1e-3 pJ; W × ps = 1 pJ.
            e += in_.laser_mw * 1e-3 * std::max(n * span - busy_ps, 0.0) +
                 in_.spec.link.idle_power_w * directions * n * span;
        }
        return e;
    }

    static std::uint64_t key(std::uint32_t tp, std::uint32_t r, bool closed, std::uint32_t ep) {
        return (std::uint64_t{ep} << 54) | (std::uint64_t{tp} << 33) | (std::uint64_t{r} << 1) |
               (closed ? 1U : 0U);
    }

    const CostTable& table(std::uint32_t tp, std::uint32_t r, bool closed, std::uint32_t ep) {
        auto& slot = tables_[key(tp, r, closed, ep)];
        if (!slot) {
            slot = std::make_unique<CostTable>(build_table(tp, r, closed, ep));
        }
        return *slot;
    }

    /// Per pass: one micro-batch's latency through all stages and transfers (cached).
    const std::vector<std::int64_t>& chain_of(
        std::uint32_t tp, std::uint32_t r, bool closed, std::uint32_t pp, std::uint32_t ep) {
        auto& slot = chains_[{key(tp, r, closed, ep), pp}];
        if (slot.empty()) {
            const CostTable& t = table(tp, r, closed, ep);
            for (std::size_t i = 0; i < t.passes.size(); ++i) {
                std::int64_t sum = 0;
                for (std::uint32_t s = 0; s < pp; ++s) {
                    const StageFigures f = stage_figures(t, i, pp, s, i > 0);
                    sum += f.latency_ps + f.xfer_ps;
                }
                slot.push_back(sum);
            }
        }
        return slot;
    }

    const StageSummary& summary(
        std::uint32_t tp, std::uint32_t r, bool closed, std::uint32_t pp, std::uint32_t ep) {
        auto& slot = summaries_[{key(tp, r, closed, ep), pp}];
        if (!slot) {
            slot = std::make_unique<StageSummary>(build_summary(table(tp, r, closed, ep), pp));
        }
        return *slot;
    }

    CostTable build_table(std::uint32_t tp, std::uint32_t r, bool closed, std::uint32_t ep) {
        const WorkloadSpec& w = profile_.workload();
        const Plan plan = make_plan(profile_.model(), w, tp, 1, 1);
        // The tensor group's ring closes through its own members only when it is the whole
        // cluster; otherwise the wrap-around message crosses tp − 1 links (docs/cluster.md).
        // A torus group of that size takes its most square shape.
        ClusterSpec group_spec = in_.spec;
        group_spec.torus.columns = 0;
        const Topology group_topo(group_spec, closed ? tp : 2 * tp, tp);
        std::vector<std::uint32_t> group(tp);
        std::iota(group.begin(), group.end(), 0U);
        const auto bytes_of = [&](std::uint64_t elements) { return (elements * in_.bits + 7) / 8; };

        const auto& shapes = profile_.shapes();
        std::vector<ShapeCost> costs(shapes.size());
        for (std::size_t i = 0; i < shapes.size(); ++i) {
            const Op& op = shapes[i];
            OpShard s = shard_op(op, plan, 0, r);
            ShapeCost& c = costs[i];
            if (!s.runs) {
                continue;
            }
            Op sharded = apply_shard(op, s);
            const bool expert_job = ep > 1 && is_expert_op_name(op.name);
            if (expert_job && !place_expert(op, r, ep, plan, sharded, s)) {
                continue;  // another lane's expert: nothing on lane 0
            }
            OpTiming timing = in_.cost(sharded);
            if (expert_job) {
                timing = expected_expert_job(timing, op, r, ep);
            }
            c.timing = timing;
            // Expert jobs stream their weights at every use; other weights may stay in SRAM.
            c.warm = expert_job ? timing : resident_use(timing);
            c.resident_bytes =
                !expert_job && op.kind == OpKind::gemm ? weight_bytes(s.n, s.k, in_.bits) : 0;
            c.duration_ps = timing.duration.in_ps();
            c.energy_pj = timing.energy.total();
            c.dram = resource_of(op.kind) == stats::Resource::dram;
            if (s.all_reduce_after) {
                const std::uint64_t bytes = bytes_of(s.all_reduce_elements);
                auto it = reduce_cache_.find({tp, closed, bytes});
                if (it == reduce_cache_.end()) {
                    // The chip LPs' own rules on an idle network (links, ports, routes, the
                    // configured algorithm), as the serving iteration cost uses them.
                    const auto schedule =
                        all_reduce_schedule(group_topo, in_.spec.collective, bytes, tp);
                    const CollectiveCost cost = replay_collective(group_topo, group, schedule);
                    it = reduce_cache_.emplace(std::tuple(tp, closed, bytes), cost).first;
                }
                c.all_reduce_ps = it->second.time.in_ps();
                c.all_reduce_energy_pj = it->second.energy_pj;
            }
            c.out_bytes = tp_role(op) == TpRole::vocab || op.name == "head"
                              ? std::uint64_t{4} * r
                              : bytes_of(s.m * s.n * s.count);
            if (ep > 1) {
                place_exchange(op, s, r, ep, c);
            }
        }

        CostTable t;
        t.tp = tp;
        t.ep = ep;
        // A pipeline transfer goes to the chip with the same tensor rank one stage on: tp ids
        // away (one hop on a fully connected cluster or the bus; the ring with bus_per_tp).
        const Topology pipe_topo(in_.spec, 2 * tp, tp);
        // Each distinct layer DAG once: its latency from its input to its last awaited output
        // on the two resources of a chip, its busy time on each, its energy.
        std::vector<LayerCost> layer_costs;
        layer_costs.reserve(profile_.layer_shapes().size());
        for (const auto& shape : profile_.layer_shapes()) {
            layer_costs.push_back(schedule_layer(shape, costs, tp));
        }
        const auto sum_ops = [&](const std::vector<std::uint32_t>& ops, std::int64_t& lat,
                                 std::int64_t& core, std::int64_t& dram) {
            // Outside the blocks (embedding, final norm, head) ops form a chain.
            for (const std::uint32_t entry : ops) {
                const ShapeCost& c = costs[entry / TraceProfile::kEntryShape];
                lat += c.duration_ps + (tp > 1 ? c.all_reduce_ps : 0);
                (c.dram && in_.spec.overlap ? dram : core) += c.duration_ps;
                t.core_ps += c.dram && in_.spec.overlap ? 0 : c.duration_ps;
                t.op_energy_pj += c.energy_pj;
                t.all_reduce_energy_pj += c.all_reduce_energy_pj;
            }
        };
        for (const auto& pass : profile_.passes()) {
            PassTable pt;
            std::vector<std::pair<std::int64_t, std::uint64_t>> bounds;
            for (const auto& boundary : pass.boundary_ops) {
                std::uint64_t bytes = 0;
                std::int64_t ps = 0;
                for (const std::uint32_t i : boundary) {
                    bytes += costs[i].out_bytes;
                    ps = std::max(ps, p2p_cost(pipe_topo, 0, tp, costs[i].out_bytes).time.in_ps());
                }
                bounds.emplace_back(ps, bytes);
            }
            const auto& ls = pass.layer_shape;
            pt.uniform = std::all_of(ls.begin(), ls.end(), [&](auto i) { return i == ls[0]; }) &&
                         std::all_of(bounds.begin(), bounds.end(),
                                     [&](const auto& b) { return b == bounds[0]; });
            if (pt.uniform) {
                pt.layer = layers_ > 0 ? layer_costs[ls[0]] : LayerCost{};
                if (!bounds.empty()) {
                    std::tie(pt.xfer_ps, pt.xfer_bytes) = bounds[0];
                }
                t.op_energy_pj += layers_ * pt.layer.energy_pj;
                t.core_ps += std::int64_t{layers_} * pt.layer.core_ps;
                t.all_reduce_energy_pj += layers_ * pt.layer.all_reduce_energy_pj;
                t.all_to_all_energy_pj += layers_ * pt.layer.all_to_all_energy_pj;
            } else {
                pt.lat.assign(layers_ + 1, 0);
                pt.core.assign(layers_ + 1, 0);
                pt.dram.assign(layers_ + 1, 0);
                for (std::uint32_t l = 0; l < layers_; ++l) {
                    const LayerCost& lc = layer_costs[ls[l]];
                    pt.lat[l + 1] = pt.lat[l] + lc.latency_ps;
                    pt.core[l + 1] = pt.core[l] + lc.core_ps;
                    pt.dram[l + 1] = pt.dram[l] + lc.dram_ps;
                    pt.layer_tail.push_back(lc.tail_ps);
                    t.op_energy_pj += lc.energy_pj;
                    t.core_ps += lc.core_ps;
                    t.all_reduce_energy_pj += lc.all_reduce_energy_pj;
                    t.all_to_all_energy_pj += lc.all_to_all_energy_pj;
                }
                for (const auto& [ps, bytes] : bounds) {
                    pt.boundary_ps.push_back(ps);
                    pt.boundary_bytes.push_back(bytes);
                }
            }
            sum_ops(pass.first_ops, pt.first_lat, pt.first_core, pt.first_dram);
            sum_ops(pass.last_ops, pt.last_lat, pt.last_core, pt.last_dram);
            for (const std::uint32_t entry : pass.last_ops) {
                const ShapeCost& c = costs[entry / TraceProfile::kEntryShape];
                if (!c.dram || !in_.spec.overlap) {
                    pt.last_tail = c.duration_ps;
                }
            }
            t.passes.push_back(std::move(pt));
        }
        t.costs = std::move(costs);
        t.layer_costs = std::move(layer_costs);
        return t;
    }

    /// Expert parallelism, lane 0 of a group of `ep` replicas of micro-batches of r requests,
    /// routing assumed balanced (docs/plan-search.md): an expert op of the lane's experts
    /// (e mod ep = 0) computes the group's rows, ceil(rows · r · ep / batch) of the trace's rows
    /// for the whole batch, tensor-sliced over tp as the chips do (`sharded`, and `s` for its
    /// all-reduce); false for the other experts' ops, which cost nothing here.
    bool place_expert(const Op& op,
                      std::uint32_t r,
                      std::uint32_t ep,
                      const Plan& plan,
                      Op& sharded,
                      OpShard& s) const {
        const WorkloadSpec& w = profile_.workload();
        const auto dot = op.name.rfind(".e");
        const auto expert = static_cast<std::uint32_t>(std::stoul(op.name.substr(dot + 2)));
        if (expert % ep != 0) {
            return false;
        }
        sharded = op;
        sharded.m = (op.m * r * ep + w.batch - 1) / w.batch;
        if (plan.tp() > 1) {
            s = shard_op(sharded, plan, 0, w.batch);  // the whole batch: tensor slicing only
            sharded = apply_shard(sharded, s);
        }
        return true;
    }

    /// Expert parallelism under uniform routing: an expert that no token of its routing group
    /// picks runs no job (and streams no weights), so a job costs its probability of running,
    /// 1 − (1 − k/E)^T for the group's T tokens (each draws k of the E experts), T taken from
    /// the group's balanced rows, ceil(rows · r · ep / batch) = T · k / E. Other routings are
    /// charged in full (round robin is balanced; zipf's skew is not priced).
    OpTiming expected_expert_job(OpTiming t,
                                 const Op& op,
                                 std::uint32_t r,
                                 std::uint32_t ep) const {
        const auto& m = profile_.model();
        if (in_.spec.moe.routing != workload::MoeRoutingKind::uniform || m.top_k >= m.n_experts) {
            return t;
        }
        const WorkloadSpec& w = profile_.workload();
        const double rows = static_cast<double>((op.m * r * ep + w.batch - 1) / w.batch);
        const double tokens = rows * m.n_experts / m.top_k;
        const double miss = 1.0 - static_cast<double>(m.top_k) / m.n_experts;
        const double share = 1.0 - std::pow(miss, tokens);
        const auto scale = [share](SimTime x) {
            return SimTime::from_ps(std::llround(static_cast<double>(x.in_ps()) * share));
        };
        t.duration = scale(t.duration);
        t.dram = scale(t.dram);
        t.dram_tail = scale(t.dram_tail);
        t.compute = scale(t.compute);
        t.energy = t.energy.scaled(share);
        return t;
    }

    /// Expert parallelism: the router's output and the combine's input wait for an all-to-all
    /// of the lane's picks for each other lane (every tensor rank sends its whole rows).
    void place_exchange(
        const Op& op, const OpShard& s, std::uint32_t r, std::uint32_t ep, ShapeCost& c) {
        const bool router = op.kind == OpKind::router;
        if (!router && op.name != "moe_combine") {
            return;
        }
        // The lane's tokens: the router's rows, or the combine's picks over top_k.
        const auto& m = profile_.model();
        const std::uint64_t elements = s.m * s.n * s.count;
        const std::uint64_t tokens =
            router ? elements / op.n : elements / (std::uint64_t{m.d_model} * m.top_k);
        const CollectiveCost& a2a = all_to_all(tokens, r, ep);
        if (router) {
            c.after_ps = a2a.time.in_ps();
            c.all_to_all_energy_pj = 2.0 * a2a.energy_pj;  // dispatch and combine
        } else {
            c.before_ps = a2a.time.in_ps();
        }
    }

    /// One all-to-all of a group of `ep` lanes of `tokens` tokens each (cached per (r, ep)):
    /// every lane sends each other lane ceil(tokens · top_k / ep) picks of d_model values, as
    /// neighbours on the topology (schedule_cost: a sender's messages one after another).
    const CollectiveCost& all_to_all(std::uint64_t tokens, std::uint32_t r, std::uint32_t ep) {
        const auto k = std::tuple(r, ep, tokens);
        auto it = a2a_cache_.find(k);
        if (it != a2a_cache_.end()) {
            return it->second;
        }
        const auto& m = profile_.model();
        const std::uint64_t picks = (tokens * m.top_k + ep - 1) / ep;
        const std::uint64_t bytes = (picks * m.d_model * in_.bits + 7) / 8;
        std::vector<std::uint32_t> group(ep);
        std::iota(group.begin(), group.end(), 0U);
        const Topology topo(in_.spec, ep);
        // Energy over every message; time from the closed form α + (ep − 1)·σ(bytes).
        CollectiveCost cost = schedule_cost(topo, group, all_to_all_schedule(bytes * ep, ep));
        cost.time = direct_gather_time(topo, bytes * ep, ep, false);
        return a2a_cache_.emplace(k, cost).first->second;
    }

    /// List-schedules one layer as a chip runs it: an op starts when its inputs are ready and
    /// its resource (cores, or the DRAM channel with overlap) is free; among the ops that could
    /// start, the earliest start wins, then trace order. An all-reduce delays the op's output,
    /// not its resource. O(ops²), once per distinct layer.
    /// `resident`: per GEMM of the layer in trace order, whether its weights are in SRAM
    /// (null: none). The DRAM parts of ops (weight streams, memory ops) queue on the chip's one
    /// DRAM channel, as the chips run them.
    LayerCost schedule_layer(const TraceProfile::LayerShape& shape,
                             const std::vector<ShapeCost>& costs,
                             std::uint32_t tp,
                             const std::vector<bool>* resident = nullptr) const {
        const std::size_t n = shape.entries.size();
        std::vector<std::int64_t> done(n, -1);
        std::vector<const OpTiming*> timing(n);
        for (std::size_t i = 0, gemm = 0; i < n; ++i) {
            const std::uint32_t s = shape.entries[i] / TraceProfile::kEntryShape;
            const bool is_gemm = profile_.shapes()[s].kind == OpKind::gemm;
            const bool hot = is_gemm && resident != nullptr && (*resident)[gemm];
            gemm += is_gemm ? 1 : 0;
            timing[i] = hot ? &costs[s].warm : &costs[s].timing;
        }
        DramChannel channel;
        std::int64_t free_at[2] = {0, 0};
        LayerCost lc;
        for (std::size_t placed = 0; placed < n; ++placed) {
            std::size_t pick = n;
            std::int64_t pick_start = 0;
            for (std::size_t i = 0; i < n; ++i) {
                if (done[i] >= 0) {
                    continue;
                }
                std::int64_t ready = 0;
                bool ok = true;
                for (const std::uint32_t d : shape.deps[i]) {
                    if (done[d] < 0) {
                        ok = false;
                        break;
                    }
                    ready = std::max(ready, done[d]);
                }
                if (!ok) {
                    continue;
                }
                const ShapeCost& c = costs[shape.entries[i] / TraceProfile::kEntryShape];
                const int res = c.dram && in_.spec.overlap ? 1 : 0;
                const std::int64_t start = std::max(ready + c.before_ps, free_at[res]);
                if (pick == n || start < pick_start) {
                    pick = i;
                    pick_start = start;
                }
            }
            LTDES_ASSERT(pick < n, "layer DAG with a cycle");
            const ShapeCost& c = costs[shape.entries[pick] / TraceProfile::kEntryShape];
            const int res = c.dram && in_.spec.overlap ? 1 : 0;
            const std::int64_t end =
                channel.run(*timing[pick], SimTime::from_ps(pick_start)).in_ps();
            free_at[res] = end;
            done[pick] = end + (tp > 1 ? c.all_reduce_ps : 0) + c.after_ps;
            (res == 1 ? lc.dram_ps : lc.core_ps) += end - pick_start;
            lc.energy_pj += timing[pick]->energy.total();
            lc.all_reduce_energy_pj += c.all_reduce_energy_pj;
            lc.all_to_all_energy_pj += c.all_to_all_energy_pj;
            // What nothing in the pass waits for (a KV-cache write at the end) overlaps the next
            // layer; everything else delays it.
            if ((shape.entries[pick] & TraceProfile::kEntryWaited) != 0 || res == 0) {
                lc.latency_ps = std::max(lc.latency_ps, done[pick]);
            }
            if (res == 0) {
                lc.tail_ps = end - pick_start;
            }
        }
        return lc;
    }

    StageSummary build_summary(const CostTable& t, std::uint32_t pp) {
        StageSummary s;
        for (const PassTable& pt : t.passes) {
            for (std::uint32_t stage = 0; stage + 1 < pp; ++stage) {
                const Range layers = split_even(layers_, pp, stage);
                if (layers.end() >= 1 && layers.end() < layers_) {
                    s.cut_bytes += pt.boundary(layers.end() - 1).second;
                }
            }
        }
        if (in_.sram_bytes == 0) {
            return s;
        }
        const auto& passes = profile_.passes();
        for (std::size_t i = 0; i < passes.size(); ++i) {
            double saved_pj = 0.0;
            std::int64_t saved_ps = 0;
            for (std::uint32_t stage = 0; stage < pp; ++stage) {
                const StageResidency& res = residency(t, pp, stage);
                for (const auto& [layer, pattern] : res.layers) {
                    const std::uint32_t shape = passes[i].layer_shape[layer];
                    const LayerCost& hot = warm_layer(t, shape, pattern);
                    saved_pj += t.layer_costs[shape].energy_pj - hot.energy_pj;
                    saved_ps += t.layer_costs[shape].core_ps - hot.core_ps;
                }
                for (const auto& [entries, pattern] :
                     {std::pair(&passes[i].first_ops, res.first_ops),
                      std::pair(&passes[i].last_ops, res.last_ops)}) {
                    saved_ps += saved_outside(t, *entries, pattern, nullptr);
                    saved_pj += saved_outside_energy(t, *entries, pattern);
                }
            }
            (i == 0 ? s.first_pass_saved_pj : s.later_passes_saved_pj) += saved_pj;
            (i == 0 ? s.first_pass_saved_core_ps : s.later_passes_saved_core_ps) += saved_ps;
        }
        return s;
    }

    /// The energy resident weights save on the ops outside the blocks of one pass.
    double saved_outside_energy(const CostTable& t,
                                const std::vector<std::uint32_t>& entries,
                                std::uint32_t pattern) const {
        double saved = 0.0;
        std::size_t gemm = 0;
        for (const std::uint32_t entry : entries) {
            const std::uint32_t shape = entry / TraceProfile::kEntryShape;
            if (pattern == 0 || profile_.shapes()[shape].kind != OpKind::gemm) {
                continue;
            }
            const ShapeCost& c = t.costs[shape];
            if (patterns_[pattern][gemm++]) {
                saved += c.timing.energy.total() - c.warm.energy.total();
            }
        }
        return saved;
    }

    const TraceProfile& profile_;
    const PlanSearchInputs& in_;
    std::uint32_t layers_;
    std::unordered_map<std::uint64_t, std::unique_ptr<CostTable>> tables_;
    std::map<std::pair<std::uint64_t, std::uint32_t>, std::unique_ptr<StageSummary>> summaries_;
    std::map<std::pair<std::uint64_t, std::uint32_t>, std::vector<std::int64_t>> chains_;
    Scratch scratch_;
    /// ep: all-to-all costs by (r, ep, tokens).
    std::map<std::tuple<std::uint32_t, std::uint32_t, std::uint64_t>, CollectiveCost> a2a_cache_;
    /// All-reduce costs by (tp, closed ring, bytes), shared by the tables.
    std::map<std::tuple<std::uint32_t, bool, std::uint64_t>, CollectiveCost> reduce_cache_;
    /// Resident weights per (tp, ep, pp, stage).
    std::map<std::tuple<std::uint32_t, std::uint32_t, std::uint32_t, std::uint32_t>,
             std::unique_ptr<StageResidency>>
        residency_;
    /// Residency patterns (per GEMM of a layer, in trace order); id 0 is "none resident".
    std::vector<std::vector<bool>> patterns_{std::vector<bool>{}};
    std::map<std::vector<bool>, std::uint32_t> pattern_ids_;
};

std::string plan_text(const PlanCandidate& c) {
    return fmt::format("tp {} x pp {} x dp {}{}, {} micro-batch{}", c.tp, c.pp, c.dp,
                       c.ep > 1 ? fmt::format(" (ep {})", c.ep) : std::string(), c.microbatches,
                       c.microbatches == 1 ? "" : "es");
}

double gib(std::uint64_t bytes) {
    return static_cast<double>(bytes) / 1073741824.0;
}

void check_objective(const TraceProfile& profile, Objective o) {
    const auto& w = profile.workload();
    const bool encoder = profile.model().is_encoder();
    if (o == Objective::goodput) {
        throw UsageError(
            "--objective goodput needs a request trace (SLOs apply to served requests); use "
            "throughput for a static trace");
    }
    if (encoder && (o == Objective::ttft || o == Objective::tpot)) {
        throw UsageError(fmt::format("--objective {}: {} is an encoder (no generated tokens)",
                                     objective_name(o), profile.model().name));
    }
    if (o == Objective::tpot && w.decode == 0) {
        throw UsageError("--objective tpot: the trace has no decode steps");
    }
}

}  // namespace

std::optional<Objective> parse_objective(std::string_view s) {
    for (std::size_t i = 0; i < kObjectiveNames.size(); ++i) {
        if (kObjectiveNames[i] == s) {
            return static_cast<Objective>(i);
        }
    }
    return std::nullopt;
}

std::string_view objective_name(Objective o) {
    return kObjectiveNames.at(static_cast<std::size_t>(o));
}

TraceProfile::TraceProfile(const workload::ModelShape& model,
                           const workload::WorkloadSpec& workload)
    : model_(model),
      workload_(workload),
      layer_plan_(make_plan(model, workload, 1, std::max(1U, model.layers), 1)) {}

std::uint32_t TraceProfile::shape_index(const workload::Op& op) {
    auto k = std::make_tuple(op.name, static_cast<int>(op.phase), static_cast<int>(op.kind),
                             static_cast<int>(op.role), op.m, op.n, op.k, op.count);
    const auto it = index_.find(k);
    if (it != index_.end()) {
        return it->second;
    }
    const auto i = static_cast<std::uint32_t>(shapes_.size());
    workload::Op shape = op;
    shape.deps.clear();
    // Costed on a one-stage plan: the layer only has to be a valid one.
    shape.layer = op.layer < 0 ? -1 : 0;
    shapes_.push_back(std::move(shape));
    index_.emplace(std::move(k), i);
    return i;
}

void TraceProfile::add(const workload::Op& op) {
    LTDES_ASSERT(!finished_, "TraceProfile::add after finish");
    LTDES_ASSERT(op.id == ops_, "op id {} out of order (expected {})", op.id, ops_);
    if (op.kind == OpKind::gemm && !has_known_tp_role(op)) {
        tp_capable_ = false;
    }
    if (passes_.empty() || op.phase != last_phase_ || op.step != last_step_) {
        Pass p;
        p.phase = op.phase;
        p.layer_shape.resize(model_.layers);
        p.boundary_ops.resize(model_.layers > 0 ? model_.layers - 1 : 0);
        passes_.push_back(std::move(p));
        open_layers_.emplace_back(model_.layers);
        last_phase_ = op.phase;
        last_step_ = op.step;
    }
    const auto pass = static_cast<std::uint32_t>(passes_.size() - 1);
    const std::uint32_t shape = shape_index(op);
    IdInfo info{op.layer, -1, pass, shape, 0, false};
    std::vector<std::uint32_t> local;
    if (op.layer >= 0) {
        LTDES_ASSERT(static_cast<std::uint32_t>(op.layer) < model_.layers, "op {}: layer {}", op.id,
                     op.layer);
    } else {
        info.place = stage_of_op(op, layer_plan_) == 0 && model_.layers > 1 ? kFirst : kLast;
    }
    for (const std::uint64_t d : op.deps) {
        if (d < ids_.size() && ids_[d].pass == pass) {
            IdInfo& producer = ids_[d];
            producer.waited = true;
            if (producer.place >= 0 && op.layer > producer.place) {
                producer.last_consumer = std::max(producer.last_consumer, op.layer);
            }
            if (op.layer >= 0 && producer.place == op.layer) {
                local.push_back(producer.pos);
            }
        }
    }
    Pass& p = passes_.back();
    if (op.layer >= 0) {
        LayerShape& l = open_layers_.back()[static_cast<std::size_t>(op.layer)];
        info.pos = static_cast<std::uint32_t>(l.entries.size());
        l.entries.push_back(shape * kEntryShape);
        l.deps.push_back(std::move(local));
    } else {
        auto& list = info.place == kFirst ? p.first_ops : p.last_ops;
        info.pos = static_cast<std::uint32_t>(list.size());
        list.push_back(shape * kEntryShape);
    }
    ids_.push_back(info);
    ++ops_;
}

void TraceProfile::finish() {
    LTDES_ASSERT(!finished_, "TraceProfile::finish twice");
    finished_ = true;
    for (const IdInfo& id : ids_) {
        Pass& p = passes_[id.pass];
        const std::uint32_t flag = id.waited ? kEntryWaited : 0U;
        if (id.place >= 0) {
            open_layers_[id.pass][static_cast<std::size_t>(id.place)].entries[id.pos] |= flag;
        } else {
            (id.place == kFirst ? p.first_ops : p.last_ops)[id.pos] |= flag;
        }
        for (std::int32_t b = id.place; b >= 0 && b < id.last_consumer; ++b) {
            p.boundary_ops[static_cast<std::size_t>(b)].push_back(id.shape);
        }
    }
    ids_ = {};
    // The layers of a pass are alike: keep each distinct layer DAG once.
    std::map<LayerShape, std::uint32_t> seen;
    for (std::size_t i = 0; i < passes_.size(); ++i) {
        for (std::uint32_t l = 0; l < model_.layers; ++l) {
            LayerShape& layer = open_layers_[i][l];
            auto [it, fresh] =
                seen.emplace(std::move(layer), static_cast<std::uint32_t>(layer_shapes_.size()));
            if (fresh) {
                layer_shapes_.push_back(it->first);
            }
            passes_[i].layer_shape[l] = it->second;
        }
    }
    open_layers_ = {};
}

double objective_value(const PlanPrediction& p, Objective o) {
    switch (o) {
        case Objective::makespan:
            return p.makespan_s;
        case Objective::energy:
            return p.energy_j;
        case Objective::edp:
            return p.energy_j * p.makespan_s;
        case Objective::ttft:
            return p.ttft_s;
        case Objective::tpot:
            return p.tpot_s;
        case Objective::throughput:
        case Objective::goodput:
            return -p.throughput_tok_s;
    }
    return p.makespan_s;
}

double objective_display(const PlanPrediction& p, Objective o) {
    switch (o) {
        case Objective::makespan:
        case Objective::ttft:
        case Objective::tpot:
            return objective_value(p, o) * 1e3;
        case Objective::energy:
        case Objective::edp:
            return objective_value(p, o);
        case Objective::throughput:
        case Objective::goodput:
            return p.throughput_tok_s;
    }
    return 0.0;
}

std::string_view objective_unit(Objective o) {
    switch (o) {
        case Objective::makespan:
        case Objective::ttft:
        case Objective::tpot:
            return "ms";
        case Objective::energy:
            return "J";
        case Objective::edp:
            return "J*s";
        case Objective::throughput:
        case Objective::goodput:
            return "tok/s";
    }
    return "";
}

PlanPrediction predict_plan(const TraceProfile& profile,
                            const PlanSearchInputs& in,
                            const PlanCandidate& plan) {
    Scorer scorer(profile, in);
    PlanPrediction p = scorer.predict(plan);
    p.dram_bytes = scorer.dram_bytes(plan.tp, plan.pp, plan.dp, plan.ep);
    return p;
}

PlanSearchResult search_plans(const TraceProfile& profile, const PlanSearchInputs& in) {
    const auto start = std::chrono::steady_clock::now();
    const std::clock_t cpu_start = std::clock();
    check_objective(profile, in.objective);
    const auto& m = profile.model();
    const auto& w = profile.workload();
    PlanSearchResult r;
    r.objective = in.objective;
    r.chips = in.spec.chips;
    Scorer scorer(profile, in);
    const std::uint64_t capacity = scorer.capacity_bytes();
    const auto exclude = [&](Exclusion why, std::string example) {
        const auto i = static_cast<std::size_t>(why);
        if (r.excluded[i]++ == 0) {
            r.example[i] = std::move(example);
        }
    };
    std::uint64_t smallest_need = std::numeric_limits<std::uint64_t>::max();
    std::vector<std::pair<PlanCandidate, std::uint64_t>> too_big;  // excluded for memory
    const auto score_shape = [&](const PlanCandidate& shape, std::uint64_t need) {
        // An expert group exchanges every micro-batch: its smallest replica bounds them.
        const std::uint32_t most = shape.ep > 1 ? w.batch / shape.dp : ceil_div(w.batch, shape.dp);
        const std::uint32_t m_first = in.microbatches == 0 ? 1 : in.microbatches;
        const std::uint32_t m_last = in.microbatches == 0 ? most : in.microbatches;
        for (std::uint32_t mb = m_first; mb <= std::min(m_last, most); ++mb) {
            PlanCandidate c = shape;
            c.microbatches = mb;
            ScoredPlan s{c, scorer.predict(c), 0.0};
            s.prediction.dram_bytes = need;
            s.objective = objective_value(s.prediction, in.objective);
            r.ranked.push_back(s);
        }
    };
    const std::uint32_t chips = in.spec.chips;
    for (std::uint32_t tp = 1; tp <= std::min(chips, m.n_heads); ++tp) {
        const bool tp_divides = m.n_heads % tp == 0 && m.d_ff % tp == 0;
        for (std::uint32_t pp = 1; pp <= std::min(chips / tp, m.layers); ++pp) {
            const bool pp_divides = m.layers % pp == 0;
            for (std::uint32_t dp = 1; dp <= std::min(chips / tp / pp, w.batch); ++dp) {
                const PlanCandidate shape{tp, pp, dp, 1};
                if (!tp_divides || !pp_divides) {
                    exclude(Exclusion::divisibility,
                            fmt::format("tp {} x pp {} x dp {}: {}", tp, pp, dp,
                                        tp_divides
                                            ? fmt::format("{} layers", m.layers)
                                            : fmt::format("{} heads, d_ff {}", m.n_heads, m.d_ff)));
                    continue;
                }
                if (tp > 1 && !profile.tp_capable()) {
                    exclude(Exclusion::tp_role,
                            fmt::format("tp {}: a GEMM has no tensor-parallel role", tp));
                    continue;
                }
                if (in.spec.topology == TopologyKind::bus && tp > 1 &&
                    tp - 1 > in.spec.bcast.max_readers) {
                    exclude(Exclusion::bus_readers,
                            fmt::format("tp {}: {} readers > bcast.max_readers {}", tp, tp - 1,
                                        in.spec.bcast.max_readers));
                    continue;
                }
                // Expert parallelism where the model has experts (docs/cluster.md limits:
                // point-to-point links; ep divides the experts and dp).
                const bool ep_capable = m.n_experts > 1 && in.spec.topology != TopologyKind::bus;
                for (std::uint32_t ep = 1; ep <= (ep_capable ? dp : 1U); ++ep) {
                    if (dp % ep != 0 || m.n_experts % ep != 0) {
                        continue;
                    }
                    PlanCandidate with_ep = shape;
                    with_ep.ep = ep;
                    const std::uint64_t need = scorer.dram_bytes(tp, pp, dp, ep);
                    if (need > capacity) {
                        smallest_need = std::min(smallest_need, need);
                        too_big.emplace_back(with_ep, need);
                        exclude(Exclusion::memory,
                                fmt::format(
                                    "tp {} x pp {} x dp {}{} needs {:.2f} GiB of {:.2f} GiB", tp,
                                    pp, dp, ep > 1 ? fmt::format(" (ep {})", ep) : std::string(),
                                    gib(need), gib(capacity)));
                        continue;
                    }
                    score_shape(with_ep, need);
                }
            }
        }
    }
    if (r.ranked.empty() && !too_big.empty()) {
        // Nothing fits: as for an explicit plan, the run goes on with a warning (sweeps chart
        // where a model stops fitting), on the plans with the smallest footprint.
        r.fits_memory = false;
        r.smallest_need_bytes = smallest_need;
        r.capacity_bytes = capacity;
        for (const auto& [shape, need] : too_big) {
            if (need == smallest_need) {
                score_shape(shape, need);
            }
        }
    }
    if (r.ranked.empty()) {
        throw ConfigError(fmt::format(
            "plan search: no plan of {} on up to {} chips (microbatches = {} is more than the "
            "requests of a replica?)",
            m.name, chips, in.microbatches));
    }
    std::stable_sort(
        r.ranked.begin(), r.ranked.end(), [](const ScoredPlan& a, const ScoredPlan& b) {
            const auto ka = std::make_tuple(a.objective, a.plan.chips(), a.plan.tp, a.plan.pp,
                                            a.plan.dp, a.plan.microbatches, a.plan.ep);
            const auto kb = std::make_tuple(b.objective, b.plan.chips(), b.plan.tp, b.plan.pp,
                                            b.plan.dp, b.plan.microbatches, b.plan.ep);
            return ka < kb;
        });
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    r.cpu_seconds = static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC;
    return r;
}

std::string format_search_choice(const PlanSearchResult& r) {
    const ScoredPlan& b = r.best();
    const std::uint32_t idle = r.chips - b.plan.chips();
    return fmt::format(
        "plan search ({}): {} on {} of {} chips{}; predicted {} {:.6g} {}, makespan {:.6f} ms, "
        "energy {:.6g} J",
        objective_name(r.objective), plan_text(b.plan), b.plan.chips(), r.chips,
        idle > 0 ? fmt::format(" ({} idle: no plan on more chips is predicted better)", idle)
                 : std::string(),
        objective_name(r.objective), objective_display(b.prediction, r.objective),
        objective_unit(r.objective), b.prediction.makespan_s * 1e3, b.prediction.energy_j);
}

std::string format_search_report(const PlanSearchResult& r,
                                 const TraceProfile& profile,
                                 std::size_t top) {
    std::string out;
    out += fmt::format(
        "plan search: objective {}, {} feasible plan(s) of {} on up to {} chips scored in {:.3f} "
        "s ({:.3f} s CPU; {} distinct op shapes, {} passes)\n",
        objective_name(r.objective), r.ranked.size(), profile.model().name, r.chips, r.seconds,
        r.cpu_seconds, profile.shapes().size(), profile.passes().size());
    // Models with experts get an ep column (docs/plan-search.md).
    const bool experts = profile.model().n_experts > 1;
    out += fmt::format(
        "{:>4} {:>4} {:>4} {:>4}{} {:>3} {:>6} {:>13} {:>12} {:>12} {:>12} {:>13} {:>9}\n", "rank",
        "tp", "pp", "dp", experts ? "  ep" : "", "mb", "chips", "makespan_ms", "ttft_ms", "tpot_ms",
        "energy_J", "tokens_per_s", "dram_GiB");
    const bool decoder = !profile.model().is_encoder();
    for (std::size_t i = 0; i < std::min(top, r.ranked.size()); ++i) {
        const ScoredPlan& s = r.ranked[i];
        const PlanPrediction& p = s.prediction;
        out += fmt::format(
            "{:>4} {:>4} {:>4} {:>4}{} {:>3} {:>6} {:>13.6f} {:>12} {:>12} {:>12.6g} {:>13.6g} "
            "{:>9.3f}\n",
            i + 1, s.plan.tp, s.plan.pp, s.plan.dp,
            experts ? fmt::format(" {:>3}", s.plan.ep) : std::string(), s.plan.microbatches,
            s.plan.chips(), p.makespan_s * 1e3,
            decoder ? fmt::format("{:.6f}", p.ttft_s * 1e3) : "-",
            decoder && profile.workload().decode > 0 ? fmt::format("{:.6f}", p.tpot_s * 1e3) : "-",
            p.energy_j, p.throughput_tok_s, gib(p.dram_bytes));
    }
    std::string why;
    for (std::size_t i = 0; i < kExclusionNames.size(); ++i) {
        if (r.excluded[i] > 0) {
            why += fmt::format("{}{} for {} (e.g. {})", why.empty() ? "" : "; ", r.excluded[i],
                               kExclusionNames[i], r.example[i]);
        }
    }
    out += fmt::format("excluded (tp x pp x dp shapes): {}\n",
                       why.empty() ? std::string("none") : why);
    if (!r.fits_memory) {
        out += fmt::format(
            "warning: no plan fits {:.3f} GiB of DRAM per chip; ranked are the plans with the "
            "smallest footprint ({:.3f} GiB per chip), which the run warns about\n",
            gib(r.capacity_bytes), gib(r.smallest_need_bytes));
    }
    out += format_search_choice(r) + "\n";
    return out;
}

std::string format_search_csv(const PlanSearchResult& r) {
    // An `ep` column at the end when some plan uses expert parallelism.
    const bool ep = std::any_of(r.ranked.begin(), r.ranked.end(),
                                [](const ScoredPlan& s) { return s.plan.ep > 1; });
    std::string out =
        "tp,pp,dp,microbatches,chips,makespan_s,ttft_s,tpot_s,energy_j,throughput_tok_s,"
        "objective";
    out += ep ? ",ep\n" : "\n";
    for (const ScoredPlan& s : r.ranked) {
        const PlanPrediction& p = s.prediction;
        out += fmt::format("{},{},{},{},{},{:.9e},{:.9e},{:.9e},{:.9e},{:.9e},{:.9e}", s.plan.tp,
                           s.plan.pp, s.plan.dp, s.plan.microbatches, s.plan.chips(), p.makespan_s,
                           p.ttft_s, p.tpot_s, p.energy_j, p.throughput_tok_s, s.objective);
        out += ep ? fmt::format(",{}\n", s.plan.ep) : std::string("\n");
    }
    return out;
}

}  // namespace ltdes::cluster
