// SPDX-License-Identifier: MIT
// Checkpoint and restart in the kernel: a run restarted from a snapshot (taken on some rank and
// thread count, periodically or at a stop) ends exactly like the uninterrupted run on any other
// count — same fingerprint, event count and per-LP state — and a damaged snapshot or one taken
// with other inputs is refused with SnapshotError on every rank.
#include "ltdes/core/interrupted.hpp"
#include "ltdes/des/phold.hpp"
#include "ltdes/des/simulation.hpp"
#include "ltdes/des/snapshot.hpp"
#include "ltdes/des/state_bytes.hpp"
#include "ltdes/des/stop_request.hpp"
#include "ltdes/dist/loopback_transport.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>
#include <tuple>
#include <unistd.h>

namespace ltdes::des {
namespace {

namespace fs = std::filesystem;

PholdSpec phold_spec() {
    PholdSpec s;
    s.lps = 48;
    s.start_events = 2;
    s.remote = 0.5;
    s.lookahead_units = 1.0;
    s.mean_units = 1.0;
    s.end_units = 60.0;
    s.seed = 7;
    return s;
}

/// Per-LP outcome: received, sent to others, digest of receive times, events executed.
using LpState = std::tuple<std::uint64_t, std::uint64_t, std::uint64_t, std::uint64_t>;

struct Outcome {
    std::uint64_t events = 0;
    std::uint64_t fingerprint = 0;
    std::map<std::uint32_t, LpState> lps;
    std::exception_ptr error;                   // of rank 0
    std::map<std::uint32_t, std::string> logs;  // restore_extra's bytes, by LP
};

/// How one run treats snapshots.
struct Snapshots {
    fs::path checkpoint_dir;  // empty: none
    SimTime every = SimTime::max();
    fs::path restart_dir;  // empty: a fresh start
    SnapshotInputs inputs{{"trace", "abc"}};
    std::int64_t stop_at_ps = -1;  // LP 0 asks for a stop at its first event at or after this
    bool log = false;  // each snapshot appends the LP's received count (8 bytes) to its log
};

/// PHOLD, plus a stop request from LP 0 when asked (as a signal handler would).
class StoppingPhold final : public LogicalProcess {
public:
    StoppingPhold(const PholdSpec& s, LpId id, std::int64_t stop_at)
        : inner_(s, id), stop_at_(to_underlying(id) == 0 ? stop_at : -1) {}

    void on_start(Context& ctx) override { inner_.on_start(ctx); }

    void on_event(const Event& ev, Context& ctx) override {
        if (stop_at_ >= 0 && ev.time.in_ps() >= stop_at_) {
            request_stop(SIGTERM);
            stop_at_ = -1;
        }
        inner_.on_event(ev, ctx);
    }

    void save(StateWriter& out) const override { inner_.save(out); }

    void restore(StateReader& in) override { inner_.restore(in); }

    const PholdLp& inner() const { return inner_; }

private:
    PholdLp inner_;
    std::int64_t stop_at_;
};

Outcome run(int ranks, int threads, const Snapshots& snaps) {
    const PholdSpec p = phold_spec();
    SimulationSpec spec;
    spec.lookahead = p.lookahead();
    spec.end_time = p.end_time();
    spec.threads = threads;
    dist::LoopbackHub hub(ranks);
    Outcome out;
    std::vector<RunStats> stats(static_cast<std::size_t>(ranks));
    std::vector<std::exception_ptr> errors(static_cast<std::size_t>(ranks));
    std::mutex mutex;
    std::vector<std::thread> threads_of_ranks;
    for (int r = 0; r < ranks; ++r) {
        threads_of_ranks.emplace_back([&, r] {
            try {
                dist::LoopbackTransport transport(hub, RankId{r});
                Simulation sim(spec, transport, BlockPartitioner{}, p.lps, [&](LpId id) {
                    return std::make_unique<StoppingPhold>(p, id, snaps.stop_at_ps);
                });
                if (!snaps.checkpoint_dir.empty()) {
                    CheckpointOptions c;
                    c.dir = snaps.checkpoint_dir;
                    c.every = snaps.every;
                    c.inputs = snaps.inputs;
                    if (snaps.log) {
                        c.save_extra = [&sim](LpId id) {
                            std::string part;
                            sim.for_each_local_lp([&](LpId lp, LogicalProcess& logical) {
                                if (lp == id) {
                                    const std::uint64_t n =
                                        static_cast<const StoppingPhold&>(logical)
                                            .inner()
                                            .received();
                                    part.assign(reinterpret_cast<const char*>(&n), sizeof n);
                                }
                            });
                            return part;
                        };
                    }
                    sim.enable_checkpoints(c);
                }
                if (!snaps.restart_dir.empty()) {
                    RestartOptions o;
                    o.dir = snaps.restart_dir;
                    o.inputs = snaps.inputs;
                    o.restore_extra = [&](LpId id, std::string_view bytes) {
                        std::lock_guard lock(mutex);
                        out.logs[to_underlying(id)] = std::string(bytes);
                    };
                    sim.restart_from(o);
                }
                stats[static_cast<std::size_t>(r)] = sim.run();
                std::lock_guard lock(mutex);
                sim.for_each_local_lp([&](LpId id, LogicalProcess& lp) {
                    const auto& ph = static_cast<const StoppingPhold&>(lp).inner();
                    out.lps[to_underlying(id)] = {ph.received(), ph.sent_remote(), ph.time_digest(),
                                                  sim.lp_stats(id).events_executed};
                });
            } catch (...) {
                errors[static_cast<std::size_t>(r)] = std::current_exception();
            }
        });
    }
    for (auto& t : threads_of_ranks) {
        t.join();
    }
    for (std::size_t r = 0; r < errors.size(); ++r) {
        // Every rank fails alike or none does.
        EXPECT_EQ(errors[r] == nullptr, errors[0] == nullptr) << "rank " << r;
    }
    out.error = errors[0];
    out.events = stats[0].global_events;
    out.fingerprint = stats[0].fingerprint;
    return out;
}

void expect_same(const Outcome& a, const Outcome& b) {
    ASSERT_FALSE(a.error);
    ASSERT_FALSE(b.error);
    EXPECT_EQ(a.events, b.events);
    EXPECT_EQ(a.fingerprint, b.fingerprint);
    EXPECT_EQ(a.lps, b.lps);
}

class Checkpoint : public ::testing::Test {
protected:
    void SetUp() override {
        clear_stop_request();
        dir_ = fs::temp_directory_path() /
               ("ltdes-ckpt-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir_);
    }

    void TearDown() override {
        clear_stop_request();
        fs::remove_all(dir_);
    }

    fs::path dir_;
};

TEST_F(Checkpoint, RestartOnOtherRankAndThreadCountsEndsLikeTheUninterruptedRun) {
    const Outcome reference = run(1, 1, {});
    ASSERT_FALSE(reference.error);
    ASSERT_GT(reference.events, 1000U);
    // (ranks, threads) taking the snapshots -> (ranks, threads) restarting from the last one.
    const std::vector<std::tuple<int, int, int, int>> cases{
        {1, 1, 2, 1}, {2, 1, 4, 1}, {4, 1, 1, 1}, {2, 2, 3, 2}};
    for (const auto& [from, from_threads, to, to_threads] : cases) {
        SCOPED_TRACE(::testing::Message()
                     << from << "x" << from_threads << " -> " << to << "x" << to_threads);
        fs::remove_all(dir_);
        Snapshots taking;
        taking.checkpoint_dir = dir_;
        taking.every = PholdSpec::to_time(25.0);  // snapshots near 25 and 50 units
        const Outcome taken = run(from, from_threads, taking);
        expect_same(reference, taken);  // taking snapshots changes nothing
        ASSERT_TRUE(fs::exists(dir_ / "latest"));
        Snapshots restarting;
        restarting.restart_dir = dir_;
        expect_same(reference, run(to, to_threads, restarting));
    }
}

TEST_F(Checkpoint, ASnapshotTakenAtAStopRestartsToTheSameEnd) {
    const Outcome reference = run(1, 1, {});
    Snapshots stopping;
    stopping.checkpoint_dir = dir_;
    stopping.stop_at_ps = PholdSpec::to_time(30.0).in_ps();
    const Outcome stopped = run(2, 1, stopping);
    ASSERT_TRUE(stopped.error);
    try {
        std::rethrow_exception(stopped.error);
    } catch (const Interrupted& e) {
        EXPECT_NE(std::string(e.what()).find("a snapshot is in"), std::string::npos) << e.what();
    }
    clear_stop_request();
    Snapshots restarting;
    restarting.restart_dir = dir_;
    expect_same(reference, run(3, 1, restarting));
}

TEST_F(Checkpoint, DifferentInputsAreRefusedNamingTheInput) {
    Snapshots taking;
    taking.checkpoint_dir = dir_;
    taking.every = PholdSpec::to_time(25.0);
    ASSERT_FALSE(run(1, 1, taking).error);
    Snapshots other;
    other.restart_dir = dir_;
    other.inputs = {{"trace", "def"}};
    const Outcome refused = run(2, 1, other);
    ASSERT_TRUE(refused.error);
    try {
        std::rethrow_exception(refused.error);
    } catch (const SnapshotError& e) {
        EXPECT_NE(std::string(e.what()).find("different trace (abc in the snapshot, def now)"),
                  std::string::npos)
            << e.what();
    }
}

TEST_F(Checkpoint, ADamagedSnapshotIsRefusedOnEveryRank) {
    Snapshots taking;
    taking.checkpoint_dir = dir_;
    taking.every = PholdSpec::to_time(25.0);
    ASSERT_FALSE(run(2, 1, taking).error);
    std::string latest;
    std::ifstream(dir_ / "latest") >> latest;
    const fs::path file = dir_ / latest / "rank-1.bin";
    Snapshots restarting;
    restarting.restart_dir = dir_;
    // Truncated: the size in the manifest no longer matches.
    fs::resize_file(file, fs::file_size(file) / 2);
    Outcome bad = run(2, 1, restarting);
    ASSERT_TRUE(bad.error);
    EXPECT_THROW(std::rethrow_exception(bad.error), SnapshotError);
    // No snapshot at all.
    restarting.restart_dir = dir_ / "nothing";
    bad = run(1, 1, restarting);
    ASSERT_TRUE(bad.error);
    EXPECT_THROW(std::rethrow_exception(bad.error), SnapshotError);
}

/// The received counts a log holds, in order.
std::vector<std::uint64_t> parts(const std::string& log) {
    std::vector<std::uint64_t> out(log.size() / 8);
    std::memcpy(out.data(), log.data(), out.size() * 8);
    EXPECT_EQ(log.size() % 8, 0U);
    return out;
}

TEST_F(Checkpoint, TheExtraLogIsAppendOnlyAcrossSnapshotsRanksAndFolders) {
    const fs::path dir2 = dir_.string() + "-2";
    fs::remove_all(dir2);
    const Outcome reference = run(1, 1, {});
    // Two snapshots (25 units, then the stop near 30) on 2 ranks into dir_.
    Snapshots first;
    first.checkpoint_dir = dir_;
    first.every = PholdSpec::to_time(25.0);
    first.stop_at_ps = PholdSpec::to_time(30.0).in_ps();
    first.log = true;
    ASSERT_TRUE(run(2, 1, first).error);
    clear_stop_request();
    std::string latest;
    std::ifstream(dir_ / "latest") >> latest;
    // Snapshot 2 holds snapshot 1's log files as they were (8 bytes per LP per snapshot, 48
    // LPs over 2 ranks: 24 parts of 4 + 8 + 8 bytes after a 20-byte header) and its own.
    for (const char* name : {"log-1-r0.bin", "log-1-r1.bin", "log-2-r0.bin", "log-2-r1.bin"}) {
        ASSERT_TRUE(fs::exists(dir_ / latest / name)) << name;
        EXPECT_EQ(fs::file_size(dir_ / latest / name), 20U + 24U * 20U) << name;
    }
    // Restart on 3 ranks from it, into another folder: the first snapshot there (50 units)
    // carries both parts over and adds a third.
    Snapshots second;
    second.restart_dir = dir_;
    second.checkpoint_dir = dir2;
    second.every = PholdSpec::to_time(25.0);
    second.log = true;
    const Outcome resumed = run(3, 1, second);
    expect_same(reference, resumed);
    ASSERT_EQ(resumed.logs.size(), 48U);
    Snapshots last;
    last.restart_dir = dir2;
    const Outcome ended = run(1, 1, last);
    expect_same(reference, ended);
    ASSERT_EQ(ended.logs.size(), 48U);
    for (const auto& [lp, log] : ended.logs) {
        const std::vector<std::uint64_t> before = parts(resumed.logs.at(lp));
        const std::vector<std::uint64_t> after = parts(log);
        ASSERT_EQ(before.size(), 2U) << "LP " << lp;
        ASSERT_EQ(after.size(), 3U) << "LP " << lp;
        EXPECT_EQ(after[0], before[0]) << "LP " << lp;
        EXPECT_EQ(after[1], before[1]) << "LP " << lp;
        EXPECT_LE(after[0], after[1]) << "LP " << lp;
        EXPECT_LE(after[1], after[2]) << "LP " << lp;
        EXPECT_LE(after[2], std::get<0>(reference.lps.at(lp))) << "LP " << lp;
    }
    fs::remove_all(dir2);
}

TEST(StateBytes, ReadingPastTheEndOrAnAbsurdCountIsASnapshotError) {
    StateWriter w;
    w.put(std::uint32_t{5});
    w.put_vector(std::vector<std::uint64_t>{1, 2});
    StateReader ok(w.bytes(), "x");
    EXPECT_EQ(ok.get<std::uint32_t>(), 5U);
    EXPECT_EQ(ok.get_vector<std::uint64_t>(10), (std::vector<std::uint64_t>{1, 2}));
    ok.expect_end();
    StateReader small(w.bytes(), "x");
    (void)small.get<std::uint32_t>();
    EXPECT_THROW((void)small.get_vector<std::uint64_t>(1), SnapshotError);  // 2 > max 1
    const std::string cut = w.bytes().substr(0, w.bytes().size() - 1);
    StateReader truncated(cut, "x");
    (void)truncated.get<std::uint32_t>();
    EXPECT_THROW((void)truncated.get_vector<std::uint64_t>(10), SnapshotError);
}

}  // namespace
}  // namespace ltdes::des
