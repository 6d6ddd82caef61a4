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
    decode_step_ps_[static_cast<std::size_t>(step - decode_steps_.data())] =
        step->feedback == SimTime::zero() ? step->duration().in_ps() : -1;
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
    std::int64_t ps = first->duration().in_ps();
    const auto begin = decode_step_ps_.begin() + static_cast<std::ptrdiff_t>(first_context);
    for (auto it = begin; it != begin + static_cast<std::ptrdiff_t>(steps); ++it) {
        if (*it < 0 || *it > SimTime::max().in_ps() - ps) {
            return std::nullopt;  // not here, or a sum past the time limit (no forecast then)
        }
        ps += *it;
    }
    return SimTime::from_ps(ps);
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
