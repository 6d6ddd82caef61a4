// SPDX-License-Identifier: MIT
// Whole-iteration costs remembered by batch composition. An iteration's cost is a pure function
// of the multiset of its requests' (tokens, cached, emits) and of whether it is the replica's
// first (cold) iteration, and the same compositions recur all the time: at light load most
// iterations are one request's decode step, and the step at context c is the same whichever
// request takes it. The cached value is the cost model's own result, so runs are unchanged.
// Replicas of one rank whose costs are the same (replica_cost_key) share one cache; the LPs of
// a rank may run on several threads, so every lookup then holds the cache's lock.
#pragma once

#include "ltdes/serving/iteration_cost.hpp"
#include "ltdes/serving/iteration_ops.hpp"

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <span>
#include <unordered_map>
#include <vector>

namespace ltdes::serving {

/// IterationCostModel::cost() behind a table keyed by the canonical (sorted) composition;
/// thread-safe unless built with `threads` false.
class IterationCostCache {
public:
    static constexpr std::size_t kDefaultCapacity = std::size_t{1} << 14;

    /// Warm one-request decode steps at contexts below this are kept apart from the table, by
    /// context, without limit (contexts past the longest model's are not expected).
    static constexpr std::uint64_t kDecodeStepContexts = std::uint64_t{1} << 16;

    /// At most `capacity` compositions are kept; the table is emptied when it would hold more
    /// (a workload whose compositions never recur then costs what it did without the cache).
    /// `threads`: whether LPs of several threads use the cache; without, no call takes the lock
    /// (once per iteration, it was 5 % of a one-thread serving run).
    explicit IterationCostCache(IterationCostModel model,
                                std::size_t capacity = kDefaultCapacity,
                                bool threads = true);

    /// The cost of an iteration of `batch` (`cold`: the replica's first), as model.cost() gives.
    /// A copy: another thread may empty the table once the lock is released.
    IterationCost cost(std::span<const SliceShape> batch, bool cold = false);

    /// The same cost copied into `out`, reusing its storage: no allocation per iteration once
    /// `out` has held one with as many stages.
    void cost(std::span<const SliceShape> batch, bool cold, IterationCost& out);

    /// The most compositions the table keeps (decode steps apart).
    std::size_t capacity() const { return capacity_; }

    /// Lookups answered from the table and those that ran the model.
    std::uint64_t hits() const;

    std::uint64_t misses() const;

    /// A cost the model gave, as kept here: the composition (sorted) and whether cold.
    struct Entry {
        std::vector<SliceShape> shapes;
        bool cold = false;
        IterationCost cost;
    };

    /// From now on, remembers each cost the model computes here until take_fresh().
    void keep_fresh();

    /// The costs the model computed since the last call (keep_fresh() first), oldest first.
    std::vector<Entry> take_fresh();

    /// Keeps `e` as the cost of its composition unless one is already there (or the table is
    /// full): a cost the same model computed elsewhere (another rank), so results do not change.
    void adopt(const Entry& e);

    /// Costs kept through adopt().
    std::uint64_t adopted() const;

    /// How long a lone request keeps an idle replica busy, from costs already here: its prefill
    /// `prefill` (`cold`: the replica's first iteration), then `steps` one-token decode steps at
    /// contexts `first_context`, `first_context` + 1, ... (each starts when the one before ends).
    /// Nothing when one of them is not here yet or sends tokens back to a first stage (pp > 1:
    /// then the next iteration waits for them). Computes nothing and counts no hit or miss.
    std::optional<SimTime> known_lone_duration(SliceShape prefill,
                                               bool cold,
                                               std::uint64_t first_context,
                                               std::uint64_t steps);

private:
    struct Key {
        std::vector<SliceShape> shapes;  ///< sorted by (tokens, cached, emits)
        bool cold = false;

        friend bool operator==(const Key&, const Key&) = default;
    };

    struct KeyHash {
        std::size_t operator()(const Key& k) const;
    };

    /// The model's cost, kept in table_ (emptied first when full).
    const IterationCost& insert(std::span<const SliceShape> batch, bool cold);

    /// The context of `batch` when it is a warm one-request decode step (kept in
    /// decode_steps_ by context), or -1 (kept in table_).
    static std::int64_t decode_context(std::span<const SliceShape> batch, bool cold);

    /// The slot of a warm one-request decode step in decode_steps_, or null for the table.
    IterationCost* decode_step(std::span<const SliceShape> batch, bool cold);

    /// Keeps the duration of the decode step `step` (an element of decode_steps_) for
    /// known_lone_duration().
    void note_decode_step(const IterationCost* step);

    /// Remembers a cost the model just computed for take_fresh().
    void note_fresh(std::span<const SliceShape> batch, bool cold, const IterationCost& c);

    /// The cached cost; the caller holds the lock and copies it before releasing it.
    const IterationCost& lookup(std::span<const SliceShape> batch, bool cold);

    /// The lock, when several threads use the cache; owns nothing otherwise.
    std::unique_lock<std::mutex> guard() const;

    bool threads_;
    mutable std::mutex mutex_;  ///< guards everything below (the model memoises too)
    IterationCostModel model_;
    std::size_t capacity_;
    /// Warm one-request decode steps (1 token, emits) by context: the commonest iteration at
    /// light load, looked up without hashing; valid entries have stages.
    std::vector<IterationCost> decode_steps_;
    /// Their durations in ps, back to back (-1: not here, or tokens go back to a first stage):
    /// a lone request's hundreds of steps are summed without visiting each cost's stages.
    std::vector<std::int64_t> decode_step_ps_;
    /// Prefix sums over decode_step_ps_ (size + 1 entries): of the known durations (saturating
    /// at SimTime::max()) and the count of unknown ones. A forecast then sums its steps in
    /// constant time. Valid below prefix_from_ + 1; brought up to date when asked.
    std::vector<std::int64_t> step_sum_;
    std::vector<std::uint32_t> unknown_steps_;
    std::size_t prefix_from_ = 0;

    /// Brings step_sum_ and unknown_steps_ up to date with decode_step_ps_.
    void update_prefix_sums();
    std::unordered_map<Key, IterationCost, KeyHash> table_;
    Key probe_;  ///< reused for lookups: no allocation on a hit
    std::uint64_t hits_ = 0;
    std::uint64_t misses_ = 0;
    std::uint64_t adopted_ = 0;
    bool keep_fresh_ = false;
    std::vector<Entry> fresh_;
};

}  // namespace ltdes::serving
