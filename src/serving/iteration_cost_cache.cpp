// SPDX-License-Identifier: MIT
#include "ltdes/serving/iteration_cost_cache.hpp"

#include <algorithm>
#include <array>
#include <tuple>
#include <utility>

namespace ltdes::serving {

IterationCostCache::IterationCostCache(IterationCostModel model, std::size_t capacity, bool threads)
    : threads_(threads), model_(std::move(model)), capacity_(std::max<std::size_t>(capacity, 1)) {}

std::unique_lock<std::mutex> IterationCostCache::guard() const {
    return threads_ ? std::unique_lock(mutex_) : std::unique_lock<std::mutex>();
}

std::size_t IterationCostCache::KeyHash::operator()(const Key& k) const {
    std::uint64_t h = k.cold ? 0x84222325cbf29ce4ULL : 0xcbf29ce484222325ULL;
    const auto mix = [&h](std::uint64_t v) {
        h ^= v + 0x9E3779B97F4A7C15ULL + (h << 6) + (h >> 2);
    };
    for (const SliceShape& s : k.shapes) {
        mix(s.tokens);
        mix((s.cached << 1) | (s.emits ? 1U : 0U));
    }
    return static_cast<std::size_t>(h);
}

std::uint64_t IterationCostCache::hits() const {
    const auto lock = guard();
    return hits_;
}

std::uint64_t IterationCostCache::misses() const {
    const auto lock = guard();
    return misses_;
}

IterationCost IterationCostCache::cost(std::span<const SliceShape> batch, bool cold) {
    const auto lock = guard();
    return lookup(batch, cold);
}

void IterationCostCache::cost(std::span<const SliceShape> batch, bool cold, IterationCost& out) {
    const auto lock = guard();
    out = lookup(batch, cold);  // copy-assignment keeps out.stages' buffer
}

std::int64_t IterationCostCache::decode_context(std::span<const SliceShape> batch, bool cold) {
    if (batch.size() != 1 || cold || batch[0].tokens != 1 || !batch[0].emits ||
        batch[0].cached >= kDecodeStepContexts) {
        return -1;
    }
    return static_cast<std::int64_t>(batch[0].cached);
}

IterationCost* IterationCostCache::decode_step(std::span<const SliceShape> batch, bool cold) {
    const std::int64_t context = decode_context(batch, cold);
    if (context < 0) {
        return nullptr;
    }
    const auto c = static_cast<std::size_t>(context);
    if (c >= decode_steps_.size()) {
        decode_steps_.resize(c + 1);
        decode_step_ps_.resize(c + 1, -1);
    }
    return &decode_steps_[c];
}

void IterationCostCache::note_decode_step(const IterationCost* step) {
    const auto i = static_cast<std::size_t>(step - decode_steps_.data());
    decode_step_ps_[i] = step->feedback == SimTime::zero() ? step->duration().in_ps() : -1;
    prefix_from_ = std::min(prefix_from_, i);
}

void IterationCostCache::update_prefix_sums() {
    const std::size_t n = decode_step_ps_.size();
    if (step_sum_.size() == n + 1 && prefix_from_ >= n) {
        return;
    }
    step_sum_.resize(n + 1, 0);
    unknown_steps_.resize(n + 1, 0);
    constexpr std::int64_t kMax = SimTime::max().in_ps();
    for (std::size_t i = std::min(prefix_from_, n); i < n; ++i) {
        const std::int64_t d = decode_step_ps_[i];
        step_sum_[i + 1] = d < 0 ? step_sum_[i] : d > kMax - step_sum_[i] ? kMax : step_sum_[i] + d;
        unknown_steps_[i + 1] = unknown_steps_[i] + (d < 0 ? 1U : 0U);
    }
    prefix_from_ = n;
}

std::optional<SimTime> IterationCostCache::known_lone_duration(SliceShape prefill,
                                                               bool cold,
                                                               std::uint64_t first_context,
                                                               std::uint64_t steps) {
    const auto lock = guard();
    const IterationCost* first = nullptr;
    const std::array one{prefill};
    if (const std::int64_t c = decode_context(one, cold); c >= 0) {
        const auto i = static_cast<std::size_t>(c);
        first = i < decode_steps_.size() && !decode_steps_[i].stages.empty() ? &decode_steps_[i]
                                                                             : nullptr;
    } else {
        probe_.shapes.assign(one.begin(), one.end());
        probe_.cold = cold;
        if (const auto found = table_.find(probe_); found != table_.end()) {
            first = &found->second;
        }
    }
    if (first == nullptr || first->feedback != SimTime::zero()) {
        return std::nullopt;
    }
    if (steps > decode_step_ps_.size() || first_context > decode_step_ps_.size() - steps) {
        return std::nullopt;
    }
    update_prefix_sums();
    const auto from = static_cast<std::size_t>(first_context);
    const auto to = from + static_cast<std::size_t>(steps);
    constexpr std::int64_t kMax = SimTime::max().in_ps();
    if (unknown_steps_[to] != unknown_steps_[from] || step_sum_[to] == kMax) {
        return std::nullopt;  // a step not here, or sums near the time limit (no forecast then)
    }
    const std::int64_t first_ps = first->duration().in_ps();
    const std::int64_t steps_ps = step_sum_[to] - step_sum_[from];
    if (steps_ps > kMax - first_ps) {
        return std::nullopt;  // past the time limit
    }
    return SimTime::from_ps(first_ps + steps_ps);
}

void IterationCostCache::note_fresh(std::span<const SliceShape> batch,
                                    bool cold,
                                    const IterationCost& c) {
    if (keep_fresh_) {
        fresh_.push_back(Entry{{batch.begin(), batch.end()}, cold, c});
    }
}

const IterationCost& IterationCostCache::lookup(std::span<const SliceShape> batch, bool cold) {
    if (IterationCost* step = decode_step(batch, cold)) {
        if (!step->stages.empty()) {
            ++hits_;
            return *step;
        }
        ++misses_;
        *step = model_.cost(batch, cold);
        note_decode_step(step);
        note_fresh(batch, cold, *step);
        return *step;
    }
    // The cost depends on the composition only (the ops group requests by shape), so the
    // order of the batch is not part of the key.
    probe_.shapes.assign(batch.begin(), batch.end());
    std::sort(
        probe_.shapes.begin(), probe_.shapes.end(), [](const SliceShape& a, const SliceShape& b) {
            return std::tie(a.tokens, a.cached, a.emits) < std::tie(b.tokens, b.cached, b.emits);
        });
    probe_.cold = cold;
    if (const auto found = table_.find(probe_); found != table_.end()) {
        ++hits_;
        return found->second;
    }
    ++misses_;
    return insert(batch, cold);
}

const IterationCost& IterationCostCache::insert(std::span<const SliceShape> batch, bool cold) {
    if (table_.size() >= capacity_) {
        table_.clear();
    }
    IterationCost c = model_.cost(batch, cold);
    note_fresh(probe_.shapes, cold, c);
    return table_.emplace(probe_, std::move(c)).first->second;
}

void IterationCostCache::keep_fresh() {
    const auto lock = guard();
    keep_fresh_ = true;
}

std::vector<IterationCostCache::Entry> IterationCostCache::take_fresh() {
    const auto lock = guard();
    return std::exchange(fresh_, {});
}

void IterationCostCache::adopt(const Entry& e) {
    const auto lock = guard();
    if (IterationCost* step = decode_step(e.shapes, e.cold)) {
        if (step->stages.empty()) {
            *step = e.cost;
            note_decode_step(step);
            ++adopted_;
        }
        return;
    }
    if (table_.size() >= capacity_) {
        return;  // a cost of another rank never pushes out this rank's own
    }
    if (table_.try_emplace(Key{e.shapes, e.cold}, e.cost).second) {
        ++adopted_;
    }
}

std::uint64_t IterationCostCache::adopted() const {
    const auto lock = guard();
    return adopted_;
}

}  // namespace ltdes::serving
