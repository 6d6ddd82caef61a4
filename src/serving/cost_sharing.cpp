// SPDX-License-Identifier: MIT
#include "ltdes/serving/cost_sharing.hpp"

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

void write_costs(des::StateWriter& out,
                 const std::vector<std::uint64_t>& key,
                 const std::vector<IterationCostCache::Entry>& entries) {
    out.put_vector(key);
    out.put(static_cast<std::uint64_t>(entries.size()));
    for (const IterationCostCache::Entry& e : entries) {
        out.put_vector(e.shapes);
        out.put(static_cast<std::uint8_t>(e.cold ? 1 : 0));
        out.put_vector(e.cost.stages);
        out.put(e.cost.feedback);
    }
}

std::uint64_t read_costs(des::StateReader& in, const CostCaches& caches) {
    const auto key = in.get_vector<std::uint64_t>(kMaxKey);
    const auto found = caches.find(key);
    const auto n = in.get<std::uint64_t>();
    in.check(n <= kMaxEntries, "too many entries");
    IterationCostCache::Entry e;
    for (std::uint64_t i = 0; i < n; ++i) {
        e.shapes = in.get_vector<SliceShape>(kMaxShapes);
        e.cold = in.get<std::uint8_t>() != 0;
        e.cost.stages = in.get_vector<StageCost>(kMaxStages);
        e.cost.feedback = in.get<SimTime>();
        if (found != caches.end()) {
            found->second->adopt(e);
        }
    }
    return n;
}

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
        write_costs(w, key, fresh);
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
    read_costs(r, caches_);
    r.expect_end();
}

}  // namespace ltdes::serving
