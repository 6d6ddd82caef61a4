// SPDX-License-Identifier: MIT
// What each pipeline stage runs: its ops in trace order with dependencies resolved to local
// indices, or to messages from the chip of another stage (same replica and tensor rank).
// Built once per rank from the trace stream and shared read-only by every chip of the stage.
#pragma once

#include "ltdes/cluster/plan.hpp"
#include "ltdes/workload/op.hpp"
#include "ltdes/workload/op_name_table.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ltdes::cluster {

/// The ops of one stage. Entry i's local dependencies are earlier entries of the same stage;
/// its remote dependencies are ops of other stages, announced by a message when they finish
/// (an activation transfer, or the generated token going back to the first stage).
class StageProgram {
public:
    /// One op of the stage (`op.deps` is cleared: dependencies live in the program).
    struct Entry {
        workload::Op op;
        std::uint32_t name_id = 0;          ///< op.name's index in the builder's OpNameTable
        std::uint32_t local_dep_begin = 0;  ///< into local_deps()
        std::uint32_t local_dep_count = 0;
        std::uint32_t remote_dep_count = 0;  ///< messages from other stages it waits for
        /// Stages (≠ this one) waiting for this entry, ascending; empty (no heap) for most.
        std::vector<std::uint32_t> consumer_stages;
        /// Later local entries that list this one as a dependency (once per listing).
        std::vector<std::uint32_t> dependents;
    };

    std::span<const Entry> entries() const { return entries_; }

    /// Local indices of earlier entries, sliced by Entry::local_dep_*.
    std::span<const std::uint32_t> local_deps(const Entry& e) const {
        return std::span(local_deps_).subspan(e.local_dep_begin, e.local_dep_count);
    }

    /// Local entries waiting for logical op `producer_id` of another stage.
    std::span<const std::pair<std::uint64_t, std::uint32_t>> consumers_of(
        std::uint64_t producer_id) const;

    /// Local entries that wait on nothing at all (where a chip starts).
    std::span<const std::uint32_t> roots() const { return roots_; }

    /// The OpNameTable index of an expert FFN op name (`ffn1.e5`) that expert parallelism may
    /// run although the trace has no such op (the builder interns every expert's chain).
    std::uint32_t expert_name_id(std::string_view name) const;

    /// True when expert_name_id(name) knows `name` (a restored snapshot is checked with it).
    bool knows_expert_name(std::string_view name) const;

private:
    friend class ProgramBuilder;

    std::vector<Entry> entries_;
    std::vector<std::uint32_t> local_deps_;
    std::vector<std::pair<std::uint64_t, std::uint32_t>> remote_consumers_;  ///< sorted
    std::vector<std::uint32_t> roots_;
    std::vector<std::pair<std::string, std::uint32_t>> expert_names_;  ///< sorted by name
};

/// Builds the programs of every stage from the op stream. Memory: the stage programs plus
/// 8 bytes per logical op (id → stage, local index). Throws TraceError on a dependency that
/// names an unknown or later op (the trace reader already rejects those).
class ProgramBuilder {
public:
    explicit ProgramBuilder(const Plan& plan);

    /// Adds the next logical op (ids must be 0, 1, 2, … in order).
    void add(const workload::Op& op);

    /// The programs, indexed by stage. The builder is empty afterwards.
    std::vector<StageProgram> finish();

    /// The names of the ops added so far (Entry::name_id indexes it).
    const workload::OpNameTable& op_names() const { return names_; }

private:
    /// Interns the op names of every expert's FFN chain (ep > 1) into every stage program.
    void intern_expert_names();

    Plan plan_;
    bool experts_interned_ = false;
    std::vector<StageProgram> stages_;
    std::vector<std::uint32_t> stage_of_id_;
    std::vector<std::uint32_t> local_of_id_;
    workload::OpNameTable names_;
};

}  // namespace ltdes::cluster
