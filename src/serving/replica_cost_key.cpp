// SPDX-License-Identifier: MIT
#include "ltdes/serving/replica_cost_key.hpp"

#include <algorithm>
#include <numeric>
#include <unordered_map>

namespace ltdes::serving {

std::vector<std::uint64_t> replica_cost_key(
    const cluster::Plan& plan,
    const cluster::Topology& topology,
    std::uint32_t replica,
    const std::function<std::uint32_t(std::uint32_t chip)>& arch_key,
    const std::function<std::uint64_t(std::uint32_t chip)>& sram_bytes) {
    std::vector<std::uint32_t> chips;
    for (std::uint32_t s = 0; s < plan.pp(); ++s) {
        for (std::uint32_t t = 0; t < plan.tp(); ++t) {
            chips.push_back(plan.chip(cluster::ChipCoord{replica, s, t}));
        }
    }
    std::vector<std::uint64_t> key;
    for (const std::uint32_t c : chips) {
        key.push_back(arch_key(c));
        key.push_back(sram_bytes ? sram_bytes(c) : 0);
    }
    // Names: the replica's chips first, in order, then other nodes as routes reach them.
    std::vector<std::uint32_t> named = chips;
    std::unordered_map<std::uint32_t, std::uint64_t> name;
    for (std::size_t i = 0; i < chips.size(); ++i) {
        name.emplace(chips[i], i);
    }
    for (const std::uint32_t a : chips) {
        for (const std::uint32_t b : chips) {
            if (a == b) {
                continue;
            }
            const std::vector<std::uint32_t> route = topology.route(a, b);
            key.push_back(route.size());
            for (const std::uint32_t node : route) {
                const auto [it, added] = name.emplace(node, named.size());
                if (added) {
                    named.push_back(node);
                }
                key.push_back(it->second);
            }
        }
    }
    // The renaming must keep the order of ids: the permutation sorting the named nodes.
    std::vector<std::uint64_t> order(named.size());
    std::iota(order.begin(), order.end(), std::uint64_t{0});
    std::sort(order.begin(), order.end(),
              [&named](std::uint64_t x, std::uint64_t y) { return named[x] < named[y]; });
    key.push_back(named.size());
    key.insert(key.end(), order.begin(), order.end());
    return key;
}

}  // namespace ltdes::serving
