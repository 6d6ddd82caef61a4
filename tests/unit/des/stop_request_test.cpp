// SPDX-License-Identifier: MIT
// A stop request (what the SIGTERM/SIGINT handler sets) ends Simulation::run at the next window
// boundary with ltdes::Interrupted on every rank, with one message.
#include "ltdes/des/stop_request.hpp"

#include "unit/des/loopback_run.hpp"

#include "ltdes/core/error.hpp"
#include "ltdes/core/interrupted.hpp"
#include "ltdes/des/simulation.hpp"
#include "ltdes/dist/loopback_transport.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <string>
#include <vector>

namespace ltdes::des {
namespace {

struct Tick {
    static constexpr std::uint16_t kKind = 7;
};

/// Sends itself a tick every 10 ps from 0 to 90 ps and records when it ran; at `stop_at` ps it
/// asks for a stop, as a signal handler would.
class Ticker final : public LogicalProcess {
public:
    explicit Ticker(std::int64_t stop_at) : stop_at_(stop_at) {}

    void on_start(Context& ctx) override {
        for (int i = 0; i < 10; ++i) {
            ctx.send(ctx.self(), SimTime::from_ps(10 * i), Tick{});
        }
    }

    void on_event(const Event& ev, Context&) override {
        seen.push_back(ev.time.in_ps());
        if (ev.time.in_ps() == stop_at_) {
            request_stop(SIGTERM);
        }
    }

    std::vector<std::int64_t> seen;

private:
    std::int64_t stop_at_;
};

class StopRequest : public ::testing::Test {
protected:
    void SetUp() override { clear_stop_request(); }

    void TearDown() override { clear_stop_request(); }
};

SimulationSpec spec_with(std::int64_t lookahead_ps) {
    SimulationSpec s;
    s.lookahead = SimTime::from_ps(lookahead_ps);
    return s;
}

TEST_F(StopRequest, TheFirstSignalWinsAndIsNamed) {
    request_stop(SIGTERM);
    request_stop(SIGINT);
    EXPECT_EQ(stop_signal(), SIGTERM);
    EXPECT_EQ(signal_name(SIGTERM), "SIGTERM");
    EXPECT_EQ(signal_name(SIGINT), "SIGINT");
    EXPECT_EQ(signal_name(64), "signal 64");
}

TEST_F(StopRequest, OneRankStopsAtTheWindowBoundaryAfterTheRequest) {
    // Lookahead 5 ps: windows [0,5), [10,15), [20,25), [30,35), ... The request comes while the
    // tick at 30 ps runs; the window ends at 35 ps, then the rank stops: ticks 0..30 ran, 40..90
    // did not, and the message names the boundary (35 ps = 3.5e-11 s).
    dist::LoopbackTransport transport;
    Ticker* lp = nullptr;
    Simulation sim(spec_with(5), transport, BlockPartitioner{}, 1, [&](LpId) {
        auto made = std::make_unique<Ticker>(30);
        lp = made.get();
        return made;
    });
    try {
        sim.run();
        FAIL() << "run() returned after a stop request";
    } catch (const Interrupted& e) {
        EXPECT_EQ(e.signal(), SIGTERM);
        EXPECT_EQ(std::string(e.what()),
                  "interrupted by SIGTERM at simulated time 3.5e-11 s (a window boundary); the "
                  "run did not finish");
    }
    EXPECT_EQ(lp->seen, (std::vector<std::int64_t>{0, 10, 20, 30}));
}

TEST_F(StopRequest, EveryRankStopsWithTheSameMessage) {
    // Four loopback ranks, one ticker each; the ticker of LP 2 (rank 2) asks for the stop at
    // 50 ps. Whichever ranks see the request first, the ranks agree: every one throws
    // Interrupted with the lowest stopping rank's text, none returns normally.
    auto make = [](LpId id) { return std::make_unique<Ticker>(to_underlying(id) == 2 ? 50 : -1); };
    const auto results = testing::run_loopback(4, spec_with(5), BlockPartitioner{}, 4, make);
    std::vector<std::string> texts;
    for (const auto& r : results) {
        ASSERT_TRUE(r.error);
        try {
            std::rethrow_exception(r.error);
        } catch (const Interrupted& e) {
            EXPECT_EQ(e.signal(), SIGTERM);
            texts.emplace_back(e.what());
        } catch (...) {
            FAIL() << "not an Interrupted";
        }
    }
    ASSERT_EQ(texts.size(), 4U);
    for (const auto& t : texts) {
        EXPECT_EQ(t, texts[0]);
    }
    EXPECT_NE(texts[0].find("interrupted by SIGTERM"), std::string::npos);
}

TEST_F(StopRequest, ARequestBeforeTheRunStopsItAtTimeZero) {
    request_stop(SIGINT);
    dist::LoopbackTransport transport;
    Ticker* lp = nullptr;
    Simulation sim(spec_with(5), transport, BlockPartitioner{}, 1, [&](LpId) {
        auto made = std::make_unique<Ticker>(-1);
        lp = made.get();
        return made;
    });
    EXPECT_THROW(sim.run(), Interrupted);
    EXPECT_TRUE(lp->seen.empty());
}

}  // namespace
}  // namespace ltdes::des
