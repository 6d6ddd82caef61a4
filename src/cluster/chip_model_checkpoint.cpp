// SPDX-License-Identifier: MIT
// ChipModel::save / restore: the one list of the chip's mutable fields. A field added to
// ChipModel that changes during the run must be added here, in both functions, in one order.
#include "ltdes/cluster/chip_model.hpp"
#include "ltdes/core/assert.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <type_traits>

namespace ltdes::cluster {

namespace {

constexpr std::uint32_t kChipStateVersion = 2;  // 2: per-link network, collectives

/// Pairs as plain bytes (std::pair is not trivially copyable).
struct SavedPair {
    std::uint32_t first = 0;
    std::uint32_t pad = 0;
    std::int64_t second = 0;
};

static_assert(std::is_trivially_copyable_v<DramChannel>);
static_assert(std::is_trivially_copyable_v<OpShard>);
static_assert(std::is_trivially_copyable_v<OpTiming>);
static_assert(std::is_trivially_copyable_v<ChipTotals>);

}  // namespace

void ChipModel::save(des::StateWriter& out) const {
    // The MoE exchange state (ep > 1) is not saved: such runs are refused up front.
    LTDES_ASSERT(moe_role_.empty(), "chip {}: ep > 1 cannot be checkpointed", chip_);
    out.put(kChipStateVersion);
    out.put(chip_);
    out.put(static_cast<std::uint64_t>(state_.size()));
    out.put_vector(state_);
    for (int r = 0; r < 2; ++r) {
        ReadyQueue copy = ready_[r];
        std::vector<SavedPair> keys;
        while (!copy.empty()) {
            keys.push_back({copy.top().first, 0, copy.top().second});
            copy.pop();
        }
        out.put_vector(keys);
        out.put(static_cast<std::uint8_t>(busy_[r] ? 1 : 0));
        out.put(started_at_[r]);
        out.put(running_shard_[r]);
        out.put(running_timing_[r]);
    }
    out.put(cores_busy_);
    out.put(xfer_entry_);
    out.put(xfer_mb_);
    net_.save(out);
    // Collectives under way, by key in increasing order (unordered_map order is not stable).
    std::vector<std::uint64_t> keys;
    for (const auto& [key, progress] : active_) {
        keys.push_back(key);
    }
    std::sort(keys.begin(), keys.end());
    out.put_vector(keys);
    for (const std::uint64_t key : keys) {
        active_.at(key).save(out);
    }
    out.put(dram_channel_);
    std::vector<std::uint8_t> loaded(weight_loaded_.begin(), weight_loaded_.end());
    out.put_vector(loaded);
    out.put(completed_);
    out.put(totals_);
    out.put_vector(records_);
    out.put_vector(layers_.partials());
}

void ChipModel::restore(des::StateReader& in) {
    in.check(in.get<std::uint32_t>() == kChipStateVersion, "unknown chip state version");
    in.check(in.get<std::uint32_t>() == chip_, fmt::format("not the state of chip {}", chip_));
    const auto instances = in.get<std::uint64_t>();
    in.check(instances == state_.size(),
             fmt::format("chip {}: {} op instances saved, the plan gives {}", chip_, instances,
                         state_.size()));
    state_ = in.get_vector<Instance>(state_.size());
    in.check(state_.size() == instances, "op instance count");
    for (int r = 0; r < 2; ++r) {
        ready_[r] = ReadyQueue();
        for (const SavedPair& k : in.get_vector<SavedPair>(state_.size())) {
            in.check(k.first < entries_ && k.second >= 0 && k.second < microbatches_,
                     fmt::format("chip {}: ready op out of range", chip_));
            ready_[r].push({k.first, static_cast<std::uint32_t>(k.second)});
        }
        const auto busy = in.get<std::uint8_t>();
        in.check(busy <= 1, "busy flag");
        busy_[r] = busy == 1;
        started_at_[r] = in.get<SimTime>();
        running_shard_[r] = in.get<OpShard>();
        running_timing_[r] = in.get<OpTiming>();
    }
    cores_busy_ = in.get<SimTime>();
    xfer_entry_ = in.get<std::uint32_t>();
    xfer_mb_ = in.get<std::uint32_t>();
    in.check(xfer_entry_ <= entries_ && xfer_mb_ <= microbatches_, "transfer op out of range");
    net_.restore(in);
    active_.clear();
    schedules_.clear();  // a cache of schedule views, rebuilt on use
    for (const std::uint64_t key : in.get_vector<std::uint64_t>(state_.size())) {
        in.check(key < state_.size(), fmt::format("chip {}: collective out of range", chip_));
        const auto entry = static_cast<std::uint32_t>(key % entries_);
        const auto mb = static_cast<std::uint32_t>(key / entries_);
        progress_of(entry, mb).restore(in);
    }
    dram_channel_ = in.get<DramChannel>();
    const auto loaded = in.get_vector<std::uint8_t>(weight_loaded_.size());
    in.check(loaded.size() == weight_loaded_.size(),
             fmt::format("chip {}: {} weight slots saved, the plan gives {}", chip_, loaded.size(),
                         weight_loaded_.size()));
    for (std::size_t i = 0; i < loaded.size(); ++i) {
        weight_loaded_[i] = loaded[i] != 0;
    }
    completed_ = in.get<std::uint64_t>();
    const ChipTotals totals = in.get<ChipTotals>();
    in.check(totals.ops_expected == totals_.ops_expected && completed_ <= totals.ops_expected,
             fmt::format("chip {}: op counts differ from the plan's", chip_));
    totals_ = totals;
    records_ = in.get_vector<stats::TimelineRow>(std::uint64_t{1} << 40);
    layers_.reset_to(in.get_vector<stats::LayerStats>(std::uint64_t{1} << 32));
}

}  // namespace ltdes::cluster
