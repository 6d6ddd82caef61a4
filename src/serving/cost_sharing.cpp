// SPDX-License-Identifier: MIT
#include "ltdes/serving/cost_sharing.hpp"

#include "ltdes/des/state_bytes.hpp"

#include <string>

namespace ltdes::serving {

namespace {

// Bounds on what a message may claim (it comes from the same binary on another rank; the
// bounds keep a corrupt one from allocating without limit).
constexpr std::uint64_t kMaxKey = std::uint64_t{1} << 24;
constexpr std::uint64_t kMaxEntries = std::uint64_t{1} << 24;
constexpr std::uint64_t kMaxShapes = std::uint64_t{1} << 20;
constexpr std::uint64_t kMaxStages = std::uint64_t{1} << 20;

// Windows between two looks at what to send and what has arrived.
constexpr std::uint64_t kWindowsPerLook = 16;

}  // namespace

CostSharing::CostSharing(des::Transport& transport, const CostCaches& caches)
    : transport_(transport), caches_(caches) {
    for (const auto& [key, cache] : caches_) {
        cache->keep_fresh();
    }
}

void CostSharing::on_window() {
    // A look costs about 0.3 µs (MPI_Improbe), as much as an event: a rank with many short
    // windows (the router's) spent 6 % of its time looking at every one.
    if (++windows_ % kWindowsPerLook == 0) {
        exchange();
    }
}

void CostSharing::exchange() {
    for (const auto& [key, cache] : caches_) {
        const std::vector<IterationCostCache::Entry> fresh = cache->take_fresh();
        if (fresh.empty()) {
            continue;
        }
        des::StateWriter w;
        w.put_vector(key);
        w.put(static_cast<std::uint64_t>(fresh.size()));
        for (const IterationCostCache::Entry& e : fresh) {
            w.put_vector(e.shapes);
            w.put(static_cast<std::uint8_t>(e.cold ? 1 : 0));
            w.put_vector(e.cost.stages);
            w.put(e.cost.feedback);
        }
        const std::string message = w.take();
        for (std::int32_t r = 0; r < transport_.size(); ++r) {
            if (r != to_underlying(transport_.rank())) {
                transport_.side_send(r, message);
            }
        }
        sent_ += fresh.size();
    }
    while (transport_.side_receive(incoming_)) {
        adopt(incoming_);
    }
}

void CostSharing::finish() {
    transport_.side_settle([this](std::string_view message) { adopt(message); });
}

std::uint64_t CostSharing::adopted() const {
    std::uint64_t n = 0;
    for (const auto& [key, cache] : caches_) {
        n += cache->adopted();
    }
    return n;
}

void CostSharing::adopt(std::string_view message) {
    des::StateReader r(message, "a cost shared by another rank");
    const auto key = r.get_vector<std::uint64_t>(kMaxKey);
    const auto found = caches_.find(key);
    if (found == caches_.end()) {
        return;  // replicas this rank does not have
    }
    const auto n = r.get<std::uint64_t>();
    r.check(n <= kMaxEntries, "too many entries");
    IterationCostCache::Entry e;
    for (std::uint64_t i = 0; i < n; ++i) {
        e.shapes = r.get_vector<SliceShape>(kMaxShapes);
        e.cold = r.get<std::uint8_t>() != 0;
        e.cost.stages = r.get_vector<StageCost>(kMaxStages);
        e.cost.feedback = r.get<SimTime>();
        found->second->adopt(e);
    }
    r.expect_end();
}

}  // namespace ltdes::serving
