// SPDX-License-Identifier: MIT
#include "ltdes/serving/lone_costs_ahead.hpp"

#include "ltdes/des/raise_everywhere.hpp"
#include "ltdes/des/state_bytes.hpp"
#include "ltdes/serving/replica_scheduler.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <exception>
#include <map>
#include <string>

namespace ltdes::serving {

namespace {

constexpr std::uint64_t kMaxKeys = std::uint64_t{1} << 20;
constexpr std::uint64_t kMaxKeyWords = std::uint64_t{1} << 24;

/// The one-slice compositions lone requests of `requests` run on a warm replica with capacity
/// `kv`: prefills by prompt length and decode steps by context, each ascending.
struct LoneShapes {
    std::vector<SliceShape> prefills;
    std::vector<SliceShape> decode_steps;
};

LoneShapes lone_shapes(std::span<const trace::RequestRecord> requests,
                       const ServingSpec& spec,
                       const KvBlockManager& kv,
                       std::size_t max_prefills) {
    std::vector<std::uint64_t> prompts;
    // Decode steps at contexts prompt .. prompt + decode - 2 (the prefill emits the first
    // token), as +1 at the first and -1 past the last: linear in requests plus contexts.
    std::vector<std::int64_t> starts;
    for (const trace::RequestRecord& r : requests) {
        if (!ReplicaScheduler::runs_plainly_alone(spec, kv, r) ||
            r.prompt_tokens + r.decode_tokens > IterationCostCache::kDecodeStepContexts) {
            continue;
        }
        prompts.push_back(r.prompt_tokens);
        const std::uint64_t end = r.prompt_tokens + r.decode_tokens - 1;
        if (starts.size() < end + 1) {
            starts.resize(end + 1, 0);
        }
        ++starts[r.prompt_tokens];
        --starts[end];
    }
    std::sort(prompts.begin(), prompts.end());
    prompts.erase(std::unique(prompts.begin(), prompts.end()), prompts.end());
    prompts.resize(std::min(prompts.size(), max_prefills));
    LoneShapes shapes;
    for (const std::uint64_t p : prompts) {
        shapes.prefills.push_back(SliceShape{p, 0, true});
    }
    std::int64_t open = 0;  // requests whose decode steps include context c
    for (std::uint64_t c = 0; c < starts.size(); ++c) {
        open += starts[c];
        if (open > 0) {
            shapes.decode_steps.push_back(SliceShape{1, c, true});
        }
    }
    return shapes;
}

/// Computes this rank's share of each cache's lone compositions and writes them to `out`.
void cost_shares(std::span<const trace::RequestRecord> requests,
                 const ServingSpec& spec,
                 std::span<const KvBlockManager> kv,
                 std::span<const std::vector<std::uint64_t>> cost_keys,
                 const CostCaches& caches,
                 const std::map<std::vector<std::uint64_t>, std::vector<int>>& holders,
                 int me,
                 des::StateWriter& out,
                 LoneCostsAhead& done) {
    for (const auto& [key, cache] : caches) {
        // The largest KV cache among the replicas with this key: a request that runs alone
        // plainly on none of them is left to the run.
        std::uint64_t most = 0;
        for (std::size_t d = 0; d < cost_keys.size(); ++d) {
            if (cost_keys[d] == key && (most == 0 || kv[d].capacity() > kv[most - 1].capacity())) {
                most = d + 1;
            }
        }
        std::vector<IterationCostCache::Entry> entries;
        if (most != 0) {
            const std::vector<int>& who = holders.at(key);
            const auto share =
                static_cast<std::size_t>(std::find(who.begin(), who.end(), me) - who.begin());
            const LoneShapes shapes =
                lone_shapes(requests, spec, kv[most - 1], cache->capacity() / 2);
            const std::uint64_t misses = cache->misses();
            cache->keep_fresh();
            // Each rank a contiguous share of each kind: neighbouring shapes share op costs
            // the model remembers (it costs ops by tiles of tokens).
            for (const std::vector<SliceShape>* kind : {&shapes.prefills, &shapes.decode_steps}) {
                const std::size_t n = kind->size();
                for (std::size_t j = n * share / who.size(); j < n * (share + 1) / who.size();
                     ++j) {
                    cache->cost(std::span(&(*kind)[j], 1), false);
                }
            }
            entries = cache->take_fresh();
            done.computed += cache->misses() - misses;
        }
        write_costs(out, key, entries);
    }
}

}  // namespace

LoneCostsAhead cost_lone_requests_ahead(std::span<const trace::RequestRecord> requests,
                                        const ServingSpec& spec,
                                        std::span<const KvBlockManager> kv,
                                        std::span<const std::vector<std::uint64_t>> cost_keys,
                                        const CostCaches& caches,
                                        des::Transport& transport) {
    const auto start = std::chrono::steady_clock::now();
    const int ranks = transport.size();
    const int me = to_underlying(transport.rank());
    // Which ranks hold a cache of each key: they split its costs.
    des::StateWriter mine;
    mine.put(static_cast<std::uint64_t>(caches.size()));
    for (const auto& [key, cache] : caches) {
        mine.put_vector(key);
    }
    std::map<std::vector<std::uint64_t>, std::vector<int>> holders;
    des::read_rank_groups(transport.all_gather_bytes(mine.take()), "the cost keys of every rank",
                          ranks, kMaxKeys, [&](des::StateReader& in, int r) {
                              holders[in.get_vector<std::uint64_t>(kMaxKeyWords)].push_back(r);
                          });

    LoneCostsAhead done;
    des::StateWriter out;
    out.put(static_cast<std::uint64_t>(caches.size()));
    // The model may throw (as it would in the run): every rank then stops with that error
    // instead of waiting for this one at the exchange.
    std::exception_ptr failure;
    try {
        cost_shares(requests, spec, kv, cost_keys, caches, holders, me, out, done);
    } catch (...) {
        failure = std::current_exception();
    }
    des::agree_on_failure(transport, failure);
    const CostCaches none;  // this rank's own costs are passed over
    des::read_rank_groups(
        transport.all_gather_bytes(out.take()), "the costs other ranks computed ahead", ranks,
        kMaxKeys, [&](des::StateReader& in, int r) { read_costs(in, r == me ? none : caches); });
    for (const auto& [key, cache] : caches) {
        done.adopted += cache->adopted();
    }
    done.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return done;
}

}  // namespace ltdes::serving
