// SPDX-License-Identifier: MIT
// MpiTransport and Simulation across real MPI ranks. Each rank also runs the same simulation
// alone over a LoopbackTransport: the two paths must agree exactly.
#include "support/mpi_test_session.hpp"

#include "ltdes/core/error.hpp"
#include "ltdes/des/phold.hpp"
#include "ltdes/des/raise_everywhere.hpp"
#include "ltdes/des/simulation.hpp"
#include "ltdes/dist/loopback_transport.hpp"
#include "ltdes/dist/mpi_transport.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace ltdes::dist {
namespace {

// Event number k from rank `src` to rank `dst` (LP ids = rank ids), at 1000 src + k ps.
des::Event numbered_event(std::uint32_t dst, std::uint32_t src, std::uint64_t k) {
    des::Event ev;
    ev.dst = LpId{dst};
    ev.src = LpId{src};
    ev.seq = k;
    ev.time = SimTime::from_ps(static_cast<std::int64_t>(1000 * src + k));
    return ev;
}

TEST(MpiTransport, ExchangeDeliversEveryOutboxInSourceRankOrder) {
    MpiTransport t(ltdes::test_support::mpi_session());
    const int n = t.size();
    const auto me = static_cast<std::uint32_t>(to_underlying(t.rank()));
    // Rank s sends s + 1 events to each other rank d: (dst d, src s, seq 0..s).
    std::vector<std::vector<des::Event>> out(static_cast<std::size_t>(n));
    for (std::uint32_t d = 0; d < static_cast<std::uint32_t>(n); ++d) {
        if (d == me) {
            continue;
        }
        for (std::uint64_t k = 0; k <= me; ++k) {
            out[d].push_back(numbered_event(d, me, k));
        }
    }
    std::vector<des::Event> inbox;
    t.exchange(out, inbox);
    std::vector<des::Event> expected;
    for (std::uint32_t s = 0; s < static_cast<std::uint32_t>(n); ++s) {
        if (s == me) {
            continue;
        }
        for (std::uint64_t k = 0; k <= s; ++k) {
            expected.push_back(numbered_event(me, s, k));
        }
    }
    ASSERT_EQ(inbox.size(), expected.size());
    for (std::size_t i = 0; i < inbox.size(); ++i) {
        EXPECT_EQ(inbox[i].src, expected[i].src);
        EXPECT_EQ(inbox[i].seq, expected[i].seq);
        EXPECT_EQ(inbox[i].time, expected[i].time);
        EXPECT_EQ(inbox[i].dst, expected[i].dst);
    }
}

TEST(MpiTransport, ReduceGatherAndBroadcast) {
    MpiTransport t(ltdes::test_support::mpi_session());
    const int n = t.size();
    const int r = to_underlying(t.rank());
    // Rank r: time 100 - r, events r + 1, failing when r is odd.
    const des::WindowReduction w =
        t.reduce_window(SimTime::from_ps(100 - r), static_cast<std::uint64_t>(r + 1), r % 2 == 1);
    EXPECT_EQ(w.min_time.in_ps(), 100 - (n - 1));
    EXPECT_EQ(w.events, static_cast<std::uint64_t>(n * (n + 1) / 2));
    EXPECT_EQ(w.failed_rank, n > 1 ? 1 : -1);
    const auto all = t.all_gather(static_cast<std::uint64_t>(10 * r));
    ASSERT_EQ(all.size(), static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
        EXPECT_EQ(all[static_cast<std::size_t>(i)], static_cast<std::uint64_t>(10 * i));
    }
    EXPECT_EQ(t.broadcast(r == n - 1 ? "last rank speaks" : "", RankId{n - 1}), "last rank speaks");
}

// Round k: rank s sends (s + k) % 3 events to each other rank d (none every third round), and
// promises rank d the bound 1000 k + 10 s + d.
void fill_posted_round(int k,
                       std::uint32_t me,
                       int n,
                       std::vector<std::vector<des::Event>>& out,
                       std::vector<SimTime>& bounds) {
    out.assign(static_cast<std::size_t>(n), {});
    bounds.assign(static_cast<std::size_t>(n), SimTime::zero());
    for (std::uint32_t d = 0; d < static_cast<std::uint32_t>(n); ++d) {
        bounds[d] = SimTime::from_ps(1000 * k + 10 * static_cast<std::int64_t>(me) + d);
        if (d == me) {
            continue;
        }
        for (std::uint64_t e = 0; e < (me + static_cast<std::uint64_t>(k)) % 3; ++e) {
            out[d].push_back(numbered_event(d, me, 100 * static_cast<std::uint64_t>(k) + e));
        }
    }
}

// Posted rounds, reduced by the collective and by direct messages (MpiTransport::post_round).
class PostedRounds : public ::testing::TestWithParam<int> {};

TEST_P(PostedRounds, DeliverWhatBlockingRoundsWould) {
    MpiTransport t(ltdes::test_support::mpi_session(), GetParam());
    const int n = t.size();
    const auto me = static_cast<std::uint32_t>(to_underlying(t.rank()));
    std::vector<std::vector<des::Event>> out;
    std::vector<SimTime> bounds;
    std::vector<des::Event> inbox;
    for (int k = 0; k < 40; ++k) {
        fill_posted_round(k, me, n, out, bounds);
        // Rank 0 is slow to post every other round; every fifth round is a blocking one, which
        // must not match the posted rounds' messages.
        des::RoundResult got;
        const SimTime local_min = SimTime::from_ps(5000 + k + static_cast<std::int64_t>(me));
        if (me == 0 && k % 2 == 1) {
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
        if (k % 5 == 4) {
            got = t.round(bounds, out, inbox, local_min, me + 1, false);
        } else {
            t.post_round(bounds, out, local_min, me + 1, false);
            out.clear();  // post_round copied them
            while (!t.round_ready()) {
            }
            got = t.finish_round(inbox);
        }
        // The smallest promise to this rank is rank 0's, 1000 k + me.
        EXPECT_EQ(got.bound.in_ps(), 1000 * k + static_cast<std::int64_t>(me)) << k;
        EXPECT_EQ(got.min_time.in_ps(), 5000 + k) << k;
        EXPECT_EQ(got.events, static_cast<std::uint64_t>(n * (n + 1) / 2)) << k;
        EXPECT_EQ(got.failed_rank, -1) << k;
        std::vector<des::Event> expected;
        for (std::uint32_t s = 0; s < static_cast<std::uint32_t>(n); ++s) {
            for (std::uint64_t e = 0; s != me && e < (s + static_cast<std::uint64_t>(k)) % 3; ++e) {
                expected.push_back(numbered_event(me, s, 100 * static_cast<std::uint64_t>(k) + e));
            }
        }
        ASSERT_EQ(inbox.size(), expected.size()) << k;
        for (std::size_t i = 0; i < inbox.size(); ++i) {
            EXPECT_EQ(inbox[i].src, expected[i].src) << k;
            EXPECT_EQ(inbox[i].seq, expected[i].seq) << k;
        }
    }
    // A failure posted by the last rank reaches every rank.
    fill_posted_round(40, me, n, out, bounds);
    t.post_round(bounds, out, SimTime::max(), 0, static_cast<int>(me) == n - 1);
    const des::RoundResult last = t.finish_round(inbox);
    EXPECT_EQ(last.failed_rank, n - 1);
    // Blocking collectives after posted rounds complete their sends first.
    EXPECT_EQ(t.reduce_window(SimTime::zero(), 1, false).events, static_cast<std::uint64_t>(n));
}

INSTANTIATE_TEST_SUITE_P(MpiTransport,
                         PostedRounds,
                         ::testing::Values(0, MpiTransport::kDirectRoundRanks),
                         [](const ::testing::TestParamInfo<int>& p) {
                             return p.param == 0 ? std::string("Collective")
                                                 : std::string("Direct");
                         });

// Side messages: rank s sends s + 1 messages to every other rank, the last one large enough
// to need the receiver (rendezvous); some may arrive while polling, the rest at the settle.
// Every message arrives exactly once, by the settle at the latest, and the counts carry over to
// a second batch.
TEST(MpiTransport, SideMessagesArriveExactlyOnceBySettleAtTheLatest) {
    MpiTransport t(ltdes::test_support::mpi_session());
    const int n = t.size();
    const int me = to_underlying(t.rank());
    const auto text = [](int src, int dst, int k, int batch) {
        std::string s = fmt::format("{}->{} #{} batch {}", src, dst, k, batch);
        if (k == src) {
            s.append(std::size_t{1} << 18, static_cast<char>('a' + src));  // 256 KiB
        }
        return s;
    };
    for (int batch = 0; batch < 2; ++batch) {
        for (int d = 0; d < n; ++d) {
            for (int k = 0; d != me && k <= me; ++k) {
                t.side_send(d, text(me, d, k, batch));
            }
        }
        std::multiset<std::string> got;
        std::string bytes;
        for (int poll = 0; poll < 100; ++poll) {
            while (t.side_receive(bytes)) {
                got.insert(bytes);
            }
        }
        t.side_settle([&](std::string_view b) { got.emplace(b); });
        std::multiset<std::string> want;
        for (int s = 0; s < n; ++s) {
            for (int k = 0; s != me && k <= s; ++k) {
                want.insert(text(s, me, k, batch));
            }
        }
        EXPECT_EQ(got, want) << "batch " << batch;
        // (A faster rank may already be sending the next batch: no check for "nothing more".)
    }
    // The rounds are not disturbed by the side channel's communicator; once every rank is past
    // its last settle (the reduction), nothing is left to receive.
    EXPECT_EQ(t.reduce_window(SimTime::zero(), 1, false).events, static_cast<std::uint64_t>(n));
    std::string left;
    EXPECT_FALSE(t.side_receive(left));
}

des::RunStats run_phold(des::Transport& t,
                        const des::PholdSpec& p,
                        int threads,
                        bool overlap = false) {
    des::SimulationSpec s;
    s.lookahead = p.lookahead();
    s.end_time = p.end_time();
    s.threads = threads;
    s.overlap_rounds = overlap;
    s.round_events = overlap ? 16 : 0;
    des::Simulation sim(s, t, des::RoundRobinPartitioner{}, p.lps,
                        [&](LpId id) { return std::make_unique<des::PholdLp>(p, id); });
    return sim.run();
}

TEST(MpiSimulation, PholdMatchesASingleRankRun) {
    des::PholdSpec p;
    p.lps = 61;
    p.start_events = 2;
    p.remote = 0.6;
    p.lookahead_units = 0.25;
    p.mean_units = 0.5;
    p.end_units = 15.0;
    p.seed = 42;
    LoopbackTransport alone;
    const des::RunStats ref = run_phold(alone, p, 1);
    ASSERT_GT(ref.global_events, 1000U);
    for (const auto& [threads, overlap] : {std::pair{1, false}, {2, false}, {1, true}, {2, true}}) {
        MpiTransport t(ltdes::test_support::mpi_session());
        const des::RunStats got = run_phold(t, p, threads, overlap);
        EXPECT_EQ(got.global_events, ref.global_events);
        EXPECT_EQ(got.fingerprint, ref.fingerprint);
        // Windows and rounds are speed figures: each rank runs its own windows up to its bound.
        EXPECT_EQ(got.windows_per_rank.size(), static_cast<std::size_t>(t.size()));
        EXPECT_EQ(got.events_per_rank.size(), static_cast<std::size_t>(t.size()));
    }
}

class Violator final : public des::LogicalProcess {
public:
    explicit Violator(LpId id) : id_(id) {}

    void on_start(des::Context& ctx) override {
        ctx.send(ctx.self(), SimTime::from_ps(50), Tick{});
    }

    void on_event(const des::Event&, des::Context& ctx) override {
        if (to_underlying(id_) == 1) {
            ctx.send(LpId{0}, SimTime::from_ps(1), Tick{});  // lookahead is 10 ps
        }
    }

private:
    struct Tick {
        static constexpr std::uint16_t kKind = 1;
        std::uint8_t unused = 0;
    };

    LpId id_;
};

TEST(MpiSimulation, ALookaheadViolationFailsEveryRankWithoutHanging) {
    MpiTransport t(ltdes::test_support::mpi_session());
    des::SimulationSpec s;
    s.lookahead = SimTime::from_ps(10);
    des::Simulation sim(s, t, des::BlockPartitioner{}, static_cast<std::uint32_t>(2 * t.size()),
                        [](LpId id) { return std::make_unique<Violator>(id); });
    try {
        sim.run();
        FAIL() << "no error";
    } catch (const InternalError& e) {
        EXPECT_NE(std::string(e.what()).find("LP 1 -> 0"), std::string::npos) << e.what();
    }
}

// The last rank fails with a user's mistake (Error): every rank throws an Error with its
// message, and with no failure nobody throws.
TEST(MpiTransport, AgreeOnFailureThrowsTheFailingRanksErrorEverywhere) {
    MpiTransport t(ltdes::test_support::mpi_session());
    EXPECT_NO_THROW(des::agree_on_failure(t, nullptr));
    const bool last = to_underlying(t.rank()) == t.size() - 1;
    const std::exception_ptr mine =
        last ? std::make_exception_ptr(Error("trace.csv:7: bad prompt")) : nullptr;
    try {
        des::agree_on_failure(t, mine);
        FAIL() << "no error";
    } catch (const InternalError& e) {
        FAIL() << "a user's mistake became an internal error: " << e.what();
    } catch (const Error& e) {
        EXPECT_EQ(std::string(e.what()), "trace.csv:7: bad prompt");
    }
}

}  // namespace
}  // namespace ltdes::dist
