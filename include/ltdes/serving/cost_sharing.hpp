// SPDX-License-Identifier: MIT
// Ranks tell each other the iteration costs they compute. Each rank keeps its own cost caches,
// so on R ranks every composition would be costed up to R times: on the serving hour with two
// ranks each rank costed about 7 800 compositions against 8 400 for one rank alone, a third
// of each rank's computing (docs/performance.md). With sharing, a rank that meets a
// composition another rank has costed usually finds its cost already there. A cost computed
// elsewhere is the same model's result for the same replica_cost_key, bit for bit, so runs do
// not change; only which rank computes what does.
#pragma once

#include "ltdes/des/state_bytes.hpp"
#include "ltdes/des/transport.hpp"
#include "ltdes/serving/iteration_cost_cache.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace ltdes::serving {

/// This rank's cost caches by replica_cost_key.
using CostCaches = std::map<std::vector<std::uint64_t>, std::shared_ptr<IterationCostCache>>;

/// Appends `entries`, the costs a cache with `key` computed, to `out`: what read_costs() takes.
void write_costs(des::StateWriter& out,
                 const std::vector<std::uint64_t>& key,
                 const std::vector<IterationCostCache::Entry>& entries);

/// Reads what write_costs() wrote and adopts the costs into the cache of `caches` with that
/// key (none: this rank has no such replicas). Returns how many costs it read.
std::uint64_t read_costs(des::StateReader& in, const CostCaches& caches);

/// Shares the costs of `caches` with the other ranks of `transport` over its side channel.
class CostSharing {
public:
    /// `caches` must outlive this object and stay the same set of caches.
    CostSharing(des::Transport& transport, const CostCaches& caches);

    /// After each window: exchange() every 16th time.
    void on_window();

    /// Sends the costs computed here since the last call to every other rank (one message per
    /// cache), adopts those that have arrived.
    void exchange();

    /// Collective, after the run: adopts whatever is still under way.
    void finish();

    /// Costs this rank sent (per destination rank counted once) and adopted.
    std::uint64_t sent() const { return sent_; }

    std::uint64_t adopted() const;

private:
    void adopt(std::string_view message);

    des::Transport& transport_;
    const CostCaches& caches_;
    std::uint64_t sent_ = 0;
    std::uint64_t windows_ = 0;
    std::string incoming_;
};

}  // namespace ltdes::serving
