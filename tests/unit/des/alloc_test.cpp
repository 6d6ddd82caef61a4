// SPDX-License-Identifier: MIT
// "No allocation per event in the steady state": counts global operator new calls during the
// second half of a PHOLD run (after the queues and outboxes have grown to their peak).
#include "ltdes/des/phold.hpp"
#include "ltdes/des/simulation.hpp"
#include "ltdes/dist/loopback_transport.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>

namespace {
std::atomic<std::uint64_t> g_allocations{0};
}  // namespace

void* operator new(std::size_t n) {
    g_allocations.fetch_add(1, std::memory_order_relaxed);
    if (void* p = std::malloc(n == 0 ? 1 : n)) {
        return p;
    }
    throw std::bad_alloc();
}

void operator delete(void* p) noexcept {
    std::free(p);
}

void operator delete(void* p, std::size_t) noexcept {
    std::free(p);
}

namespace ltdes::des {
namespace {

std::uint64_t allocations_in_second_half(int threads) {
    PholdSpec p;
    p.lps = 512;
    p.start_events = 4;
    p.remote = 0.25;
    p.lookahead_units = 0.1;
    p.mean_units = 0.9;
    p.end_units = 60.0;
    SimulationSpec s;
    s.lookahead = p.lookahead();
    s.end_time = p.end_time();
    s.threads = threads;
    dist::LoopbackTransport transport;
    Simulation sim(s, transport, BlockPartitioner{}, p.lps,
                   [&](LpId id) { return std::make_unique<PholdLp>(p, id); });
    std::uint64_t at_half = 0;
    bool counting = false;
    sim.set_progress([&](const WindowProgress& w) {
        if (!counting && w.window_start >= PholdSpec::to_time(30.0)) {
            counting = true;
            at_half = g_allocations.load();
        }
    });
    const std::uint64_t before_end = [&] {
        sim.run();
        return g_allocations.load();
    }();
    EXPECT_TRUE(counting);
    // run() allocates a few result vectors after the last window: allow them.
    return before_end - at_half;
}

TEST(Engine, DoesNotAllocatePerEventInTheSteadyState) {
    // About 512 × 4 × 30 ≈ 61000 events run in the second half; a handful of allocations
    // (final stats, a rare new outbox peak) is fine, one per event is not.
    EXPECT_LT(allocations_in_second_half(1), 50U);
}

TEST(Engine, DoesNotAllocatePerEventWithThreadsEither) {
    EXPECT_LT(allocations_in_second_half(2), 200U);
}

}  // namespace
}  // namespace ltdes::des
