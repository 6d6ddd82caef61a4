// SPDX-License-Identifier: MIT
#include "ltdes/des/rank_reach.hpp"

#include "ltdes/core/assert.hpp"

#include <algorithm>
#include <functional>
#include <map>
#include <queue>
#include <utility>

namespace ltdes::des {

RankReach RankReach::uniform(int ranks, RankId me, SimTime lookahead) {
    RankReach r;
    const auto n = static_cast<std::size_t>(ranks);
    r.to_.assign(n, lookahead);
    r.direct_.assign(n, lookahead);
    const auto self = static_cast<std::size_t>(to_underlying(me));
    r.to_[self] = ranks > 1 ? lookahead + lookahead : SimTime::max();
    r.direct_[self] = SimTime::max();
    r.min_edge_ = ranks > 1 ? lookahead : SimTime::max();
    return r;
}

RankReach::RankReach(const DelayGraph& graph,
                     const std::vector<std::int32_t>& owner,
                     int ranks,
                     RankId me,
                     SimTime lookahead) {
    const auto n = static_cast<std::size_t>(ranks);
    // Edge weights of the rank graph: the smallest LP-to-LP delay between two ranks.
    std::vector<std::map<std::int32_t, std::int64_t>> edges(n);
    // The same, over the edges whose target passes chains on (DelayGraph::relays).
    std::vector<std::map<std::int32_t, std::int64_t>> relay_edges(n);
    Adjacency adjacency(owner.size());
    std::vector<char> relays(owner.size());
    for (std::uint32_t lp = 0; lp < owner.size(); ++lp) {
        relays[lp] = graph.relays(LpId{lp}) ? 1 : 0;
    }
    const auto add_edge = [](std::map<std::int32_t, std::int64_t>& out, std::int32_t b,
                             std::int64_t w) {
        auto [it, fresh] = out.try_emplace(b, w);
        if (!fresh) {
            it->second = std::min(it->second, w);
        }
    };
    for (std::uint32_t src = 0; src < owner.size(); ++src) {
        const std::int32_t a = owner[src];
        graph.for_each_target(LpId{src}, [&](LpId dst, SimTime delay) {
            LTDES_ASSERT(to_underlying(dst) < owner.size(), "delay graph: LP {} -> LP {} of {}",
                         src, dst, owner.size());
            LTDES_ASSERT(delay >= lookahead, "delay graph: LP {} -> {} delay {} ps < lookahead {}",
                         src, dst, delay.in_ps(), lookahead.in_ps());
            adjacency[src].emplace_back(to_underlying(dst), delay.in_ps());
            const std::int32_t b = owner[to_underlying(dst)];
            if (a == b) {
                return;
            }
            add_edge(edges[static_cast<std::size_t>(a)], b, delay.in_ps());
            if (relays[to_underlying(dst)] != 0) {
                add_edge(relay_edges[static_cast<std::size_t>(a)], b, delay.in_ps());
            }
            min_edge_ = std::min(min_edge_, delay);
        });
    }
    const auto self = to_underlying(me);
    // Groups: union-find over the edges, each labelled by its lowest rank.
    std::vector<std::int32_t> parent(n);
    for (std::size_t a = 0; a < n; ++a) {
        parent[a] = static_cast<std::int32_t>(a);
    }
    const auto root = [&](std::int32_t a) {
        while (parent[static_cast<std::size_t>(a)] != a) {
            a = parent[static_cast<std::size_t>(a)] =
                parent[static_cast<std::size_t>(parent[static_cast<std::size_t>(a)])];
        }
        return a;
    };
    for (std::size_t a = 0; a < n; ++a) {
        for (const auto& [b, w] : edges[a]) {
            const std::int32_t ra = root(static_cast<std::int32_t>(a));
            const std::int32_t rb = root(b);
            parent[static_cast<std::size_t>(std::max(ra, rb))] = std::min(ra, rb);
        }
    }
    group_ = root(self);
    direct_.assign(n, SimTime::max());
    for (const auto& [b, w] : edges[static_cast<std::size_t>(self)]) {
        direct_[static_cast<std::size_t>(b)] = SimTime::from_ps(w);
    }
    // Dijkstra from this rank over the edges that pass chains on: dist[a], how soon a chain
    // can reach an LP of rank a that sends on (0 here).
    constexpr std::int64_t kInf = SimTime::max().in_ps();
    std::vector<std::int64_t> dist(n, kInf);
    using Item = std::pair<std::int64_t, std::int32_t>;
    std::priority_queue<Item, std::vector<Item>, std::greater<>> frontier;
    dist[static_cast<std::size_t>(self)] = 0;
    frontier.emplace(0, self);
    while (!frontier.empty()) {
        const auto [d, a] = frontier.top();
        frontier.pop();
        if (d != dist[static_cast<std::size_t>(a)]) {
            continue;
        }
        for (const auto& [b, w] : relay_edges[static_cast<std::size_t>(a)]) {
            const std::int64_t nd = d + w;
            if (nd < dist[static_cast<std::size_t>(b)]) {
                dist[static_cast<std::size_t>(b)] = nd;
                frontier.emplace(nd, b);
            }
        }
    }
    // A chain's last hop may end at any LP: D(me, r) is the shortest way to a rank that sends
    // on, plus one edge to r (back to this rank through another one for r == me).
    to_.assign(n, SimTime::max());
    for (std::size_t a = 0; a < n; ++a) {
        if (dist[a] == kInf) {
            continue;
        }
        for (const auto& [b, w] : edges[a]) {
            if (b == self && static_cast<std::int32_t>(a) == self) {
                continue;
            }
            SimTime& t = to_[static_cast<std::size_t>(b)];
            t = std::min(t, SimTime::from_ps(dist[a] + w));
        }
    }
    compute_lp_distances(adjacency, relays, owner, self);
}

// One Dijkstra per local LP over (LP, has the chain left this rank yet): the chain reaches rank
// r != me at its first LP of r, and comes back at a local LP of the "left" layer. An LP next to
// the rank's border gets to(r); one whose sends must first cross other local LPs gets more.
void RankReach::compute_lp_distances(const Adjacency& adjacency,
                                     const std::vector<char>& relays,
                                     const std::vector<std::int32_t>& owner,
                                     std::int32_t me) {
    const std::size_t ranks = to_.size();
    std::vector<std::uint32_t> local;
    std::size_t edge_count = 0;
    for (std::uint32_t lp = 0; lp < owner.size(); ++lp) {
        edge_count += adjacency[lp].size();
        if (owner[lp] == me) {
            local.push_back(lp);
        }
    }
    // Speed only: a bound on the set-up work (about a second), beyond which the rank's
    // distances serve every local LP.
    constexpr std::size_t kMaxWork = 50'000'000;
    if (local.empty() || local.size() * (owner.size() + edge_count) > kMaxWork) {
        return;
    }
    constexpr std::int64_t kInf = SimTime::max().in_ps();
    std::vector<SimTime> table(local.size() * ranks, SimTime::max());
    std::vector<std::int64_t> dist(2 * owner.size());
    using Item = std::pair<std::int64_t, std::uint32_t>;  // (delay, 2·LP + left)
    std::priority_queue<Item, std::vector<Item>, std::greater<>> frontier;
    bool finer = false;
    for (std::size_t i = 0; i < local.size(); ++i) {
        std::fill(dist.begin(), dist.end(), kInf);
        dist[2 * std::size_t{local[i]}] = 0;
        frontier.emplace(0, 2 * local[i]);
        while (!frontier.empty()) {
            const auto [d, state] = frontier.top();
            frontier.pop();
            if (d != dist[state]) {
                continue;
            }
            const std::uint32_t lp = state / 2;
            const std::uint32_t left = state % 2;
            if (left == 1) {
                // Outside the rank, or back in it after leaving: a chain to owner[lp].
                SimTime& cell = table[i * ranks + static_cast<std::size_t>(owner[lp])];
                cell = std::min(cell, SimTime::from_ps(d));
            }
            if (d > 0 && relays[lp] == 0) {
                continue;  // the chain stops here (its own output is bounded by its rank)
            }
            for (const auto& [to, delay] : adjacency[lp]) {
                const std::uint32_t next =
                    2 * to + ((left == 1 || owner[to] != me) ? std::uint32_t{1} : 0);
                if (d + delay < dist[next]) {
                    dist[next] = d + delay;
                    frontier.emplace(d + delay, next);
                }
            }
        }
        for (std::size_t r = 0; r < ranks; ++r) {
            SimTime& cell = table[i * ranks + r];
            cell = std::max(cell, to_[r]);  // never below the rank's own bound
            finer = finer || cell > to_[r];
        }
    }
    if (finer) {
        lp_to_ = std::move(table);
    }
}

std::uint32_t RankReach::out_degree() const {
    return static_cast<std::uint32_t>(std::count_if(direct_.begin(), direct_.end(),
                                                    [](SimTime t) { return t != SimTime::max(); }));
}

std::uint32_t RankReach::reachable() const {
    return static_cast<std::uint32_t>(
        std::count_if(to_.begin(), to_.end(), [](SimTime t) { return t != SimTime::max(); }));
}

}  // namespace ltdes::des
