// SPDX-License-Identifier: MIT
#include "ltdes/cluster/stage_program.hpp"

#include "ltdes/cluster/op_shard.hpp"
#include "ltdes/core/error.hpp"

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

ProgramBuilder::ProgramBuilder(const Plan& plan) : plan_(plan), stages_(plan.pp()) {}

void ProgramBuilder::add(const workload::Op& op) {
    if (op.id != stage_of_id_.size()) {
        throw TraceError(fmt::format("op {}: ids must be contiguous from 0 (expected {})", op.id,
                                     stage_of_id_.size()));
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
