// SPDX-License-Identifier: MIT
// Runs one Simulation per in-process rank (one std::thread each) over a LoopbackHub, so unit
// tests exercise multi-rank behaviour without MPI.
#pragma once

#include "ltdes/des/simulation.hpp"
#include "ltdes/dist/loopback_transport.hpp"

#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace ltdes::des::testing {

/// What one in-process rank produced.
struct RankResult {
    RunStats stats;
    std::exception_ptr error;
};

/// Runs `lp_count` LPs on `ranks` loopback ranks. `collect(rank, sim)` runs on each rank's
/// thread after run() (serialised by the caller's own means if it writes shared data: the
/// helper calls it under a mutex).
inline std::vector<RankResult> run_loopback(
    int ranks,
    const SimulationSpec& spec,
    const Partitioner& partitioner,
    std::uint32_t lp_count,
    const LpFactory& factory,
    const std::function<void(int, Simulation&)>& collect = {},
    const DelayGraph* graph = nullptr) {
    dist::LoopbackHub hub(ranks);
    std::vector<RankResult> results(static_cast<std::size_t>(ranks));
    std::mutex collect_mutex;
    std::vector<std::thread> threads;
    for (int r = 0; r < ranks; ++r) {
        threads.emplace_back([&, r] {
            auto& out = results[static_cast<std::size_t>(r)];
            try {
                dist::LoopbackTransport transport(hub, RankId{r});
                Simulation sim(spec, transport, partitioner, lp_count, factory, graph);
                out.stats = sim.run();
                if (collect) {
                    std::lock_guard lock(collect_mutex);
                    collect(r, sim);
                }
            } catch (...) {
                out.error = std::current_exception();
            }
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    return results;
}

}  // namespace ltdes::des::testing
