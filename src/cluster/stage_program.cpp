// SPDX-License-Identifier: MIT
#include "ltdes/cluster/stage_program.hpp"

#include "ltdes/cluster/op_shard.hpp"
#include "ltdes/core/assert.hpp"
#include "ltdes/core/error.hpp"
#include "ltdes/workload/layer_builder.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace ltdes::cluster {

std::span<const std::pair<std::uint64_t, std::uint32_t>> StageProgram::consumers_of(
    std::uint64_t producer_id) const {
    const auto lo =
        std::lower_bound(remote_consumers_.begin(), remote_consumers_.end(), producer_id,
                         [](const std::pair<std::uint64_t, std::uint32_t>& p, std::uint64_t id) {
                             return p.first < id;
                         });
    auto hi = lo;
    while (hi != remote_consumers_.end() && hi->first == producer_id) {
        ++hi;
    }
    return {lo, hi};
}

std::uint32_t StageProgram::expert_name_id(std::string_view name) const {
    const auto it = std::lower_bound(expert_names_.begin(), expert_names_.end(), name,
                                     [](const std::pair<std::string, std::uint32_t>& p,
                                        std::string_view n) { return p.first < n; });
    LTDES_ASSERT(it != expert_names_.end() && it->first == name, "expert op name {} unknown", name);
    return it->second;
}

bool StageProgram::knows_expert_name(std::string_view name) const {
    const auto it = std::lower_bound(expert_names_.begin(), expert_names_.end(), name,
                                     [](const std::pair<std::string, std::uint32_t>& p,
                                        std::string_view n) { return p.first < n; });
    return it != expert_names_.end() && it->first == name;
}

ProgramBuilder::ProgramBuilder(const Plan& plan) : plan_(plan), stages_(plan.pp()) {}

void ProgramBuilder::intern_expert_names() {
    // Expert parallelism runs each expert's chain with its routed rows, also for experts the
    // trace's even routing left without tokens (and so without ops).
    std::vector<workload::Op> chain;
    workload::OpSink sink(chain, 0, workload::Phase::prefill, 0);
    for (std::uint32_t e = 0; e < plan_.model().n_experts; ++e) {
        workload::add_ffn(sink, plan_.model(), 4, 1, workload::OpSink::kNoInput,
                          ".e" + std::to_string(e));
    }
    std::vector<std::pair<std::string, std::uint32_t>> names;
    for (const workload::Op& op : chain) {
        names.emplace_back(op.name, names_.intern(op.name));
    }
    std::sort(names.begin(), names.end());
    for (auto& prog : stages_) {
        prog.expert_names_ = names;
    }
}

void ProgramBuilder::add(const workload::Op& op) {
    if (op.id != stage_of_id_.size()) {
        throw TraceError(fmt::format("op {}: ids must be contiguous from 0 (expected {})", op.id,
                                     stage_of_id_.size()));
    }
    if (plan_.ep() > 1 && op.kind == workload::OpKind::router && !experts_interned_) {
        intern_expert_names();
        experts_interned_ = true;
    }
    const std::uint32_t stage = stage_of_op(op, plan_);
    StageProgram& prog = stages_[stage];
    const auto local = static_cast<std::uint32_t>(prog.entries_.size());
    StageProgram::Entry e;
    e.op = op;
    e.name_id = names_.intern(op.name);
    e.op.deps.clear();
    e.local_dep_begin = static_cast<std::uint32_t>(prog.local_deps_.size());
    for (const std::uint64_t dep : op.deps) {
        if (dep >= op.id) {
            throw TraceError(
                fmt::format("op {}: depends on op {}, which is not earlier", op.id, dep));
        }
        const std::uint32_t dep_stage = stage_of_id_[dep];
        if (dep_stage == stage) {
            prog.local_deps_.push_back(local_of_id_[dep]);
            prog.entries_[local_of_id_[dep]].dependents.push_back(local);
            ++e.local_dep_count;
            continue;
        }
        ++e.remote_dep_count;
        prog.remote_consumers_.emplace_back(dep, local);
        auto& notify = stages_[dep_stage].entries_[local_of_id_[dep]].consumer_stages;
        if (std::find(notify.begin(), notify.end(), stage) == notify.end()) {
            notify.insert(std::upper_bound(notify.begin(), notify.end(), stage), stage);
        }
    }
    if (e.local_dep_count == 0 && e.remote_dep_count == 0) {
        prog.roots_.push_back(local);
    }
    prog.entries_.push_back(std::move(e));
    stage_of_id_.push_back(stage);
    local_of_id_.push_back(local);
}

std::vector<StageProgram> ProgramBuilder::finish() {
    for (auto& prog : stages_) {
        std::stable_sort(prog.remote_consumers_.begin(), prog.remote_consumers_.end());
    }
    stage_of_id_.clear();
    local_of_id_.clear();
    return std::move(stages_);
}

}  // namespace ltdes::cluster
