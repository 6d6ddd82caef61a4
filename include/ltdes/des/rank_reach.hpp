// SPDX-License-Identifier: MIT
#pragma once

#include "ltdes/core/ids.hpp"
#include "ltdes/core/sim_time.hpp"
#include "ltdes/des/delay_graph.hpp"

#include <cstdint>
#include <utility>
#include <vector>

namespace ltdes::des {

/// How soon anything one rank does can reach another: D(me, r), the smallest total delay of a
/// chain of cross-rank sends from an LP of this rank to an LP of rank r (shortest path over the
/// rank graph whose edge weights are the smallest LP-to-LP delays between the two ranks);
/// SimTime::max() when no chain exists. D(me, me) is the shortest cycle through another rank.
/// Every rank computes its own row with one Dijkstra, O(E log R).
class RankReach {
public:
    /// No model knowledge: every pair of ranks is one lookahead apart (cycle: two).
    static RankReach uniform(int ranks, RankId me, SimTime lookahead);

    /// From the model's graph; `owner[lp]` is the rank of every LP.
    RankReach(const DelayGraph& graph,
              const std::vector<std::int32_t>& owner,
              int ranks,
              RankId me,
              SimTime lookahead);

    /// D(me, r) in ps (SimTime::max(): r can never be reached).
    SimTime to(std::int32_t r) const { return to_[static_cast<std::size_t>(r)]; }

    /// Smallest delay of one direct send from this rank to rank r (SimTime::max(): none
    /// allowed); the engine checks remote sends against it.
    SimTime direct(std::int32_t r) const { return direct_[static_cast<std::size_t>(r)]; }

    /// The smallest cross-rank delay anywhere (a chain that reaches another rank takes at least
    /// this long), in ps.
    SimTime min_edge() const { return min_edge_; }

    /// Ranks this rank may send to directly.
    std::uint32_t out_degree() const;

    /// Ranks this rank can reach by some chain.
    std::uint32_t reachable() const;

    /// True when lp_to() is finer than to() for some local LP (the model's graph gives some
    /// local LPs a longer way out than the rank's closest one).
    bool per_lp() const { return !lp_to_.empty(); }

    /// D(lp, r) in ps: the smallest total delay of a chain of sends from the `local`-th LP of
    /// this rank (increasing id order) to an LP of rank r, through LPs of any rank, with
    /// r == this rank meaning a chain that leaves the rank and comes back. Never below to(r).
    /// Only when per_lp().
    SimTime lp_to(std::uint32_t local, std::int32_t r) const {
        return lp_to_[static_cast<std::size_t>(local) * to_.size() + static_cast<std::size_t>(r)];
    }

    /// Lowest rank of this rank's group: ranks linked by cross-rank edges in either direction
    /// (weakly connected component of the rank graph). Ranks of different groups never affect
    /// each other; without a graph every rank is in group 0.
    std::int32_t group() const { return group_; }

private:
    RankReach() = default;

    using Adjacency = std::vector<std::vector<std::pair<std::uint32_t, std::int64_t>>>;

    // Fills lp_to_ from the LP graph (targets and delays in ps by LP id).
    void compute_lp_distances(const Adjacency& adjacency,
                              const std::vector<char>& relays,
                              const std::vector<std::int32_t>& owner,
                              std::int32_t me);

    std::vector<SimTime> to_;
    std::vector<SimTime> direct_;
    std::vector<SimTime> lp_to_;  // local LP × rank, empty unless it refines to_
    SimTime min_edge_ = SimTime::max();
    std::int32_t group_ = 0;
};

}  // namespace ltdes::des
