// SPDX-License-Identifier: MIT
// Simulation's checkpoint and restart: when a snapshot is due (every rank decides the same from
// global values), taking it, and starting a run from one.
#include "agree.hpp"

#include "ltdes/core/assert.hpp"
#include "ltdes/des/engine.hpp"
#include "ltdes/des/simulation.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>

namespace ltdes::des {

namespace {

/// The first multiple of `every` after `t`.
SimTime next_multiple(SimTime t, SimTime every) {
    if (every == SimTime::max()) {
        return SimTime::max();
    }
    const std::int64_t k = t.in_ps() / every.in_ps() + 1;
    return k > SimTime::max().in_ps() / every.in_ps() ? SimTime::max()
                                                      : SimTime::from_ps(k * every.in_ps());
}

}  // namespace

void Simulation::enable_checkpoints(CheckpointOptions options) {
    LTDES_ASSERT(!ran_, "enable_checkpoints() after run()");
    LTDES_ASSERT(!options.dir.empty(), "enable_checkpoints() without a folder");
    LTDES_ASSERT(options.every > SimTime::zero() && options.wall_seconds >= 0.0,
                 "bad checkpoint period");
    checkpoint_ = std::make_unique<CheckpointOptions>(std::move(options));
    next_checkpoint_ = next_multiple(resumed_at_, checkpoint_->every);
}

void Simulation::restart_from(const RestartOptions& options) {
    LTDES_ASSERT(!ran_, "restart_from() after run()");
    const auto& owners = engine_->owners();
    const auto me = to_underlying(transport_.rank());
    SimSnapshot snap =
        read_snapshot(transport_, options.dir, static_cast<std::uint32_t>(owners.size()),
                      options.inputs, [&](LpId id) { return owners[to_underlying(id)] == me; });
    std::exception_ptr error;
    try {
        if (options.restore_extra) {
            for (const LpSnapshot& lp : snap.lps) {
                options.restore_extra(lp.id, lp.extra);
            }
        }
        engine_->restore(std::move(snap.lps), snap.last_event);
    } catch (...) {
        error = std::current_exception();
    }
    agree_on_error(transport_, error, false);
    resumed_at_ = snap.time;
    last_snapshot_ = snap.folder;
    if (checkpoint_) {
        next_checkpoint_ = next_multiple(resumed_at_, checkpoint_->every);
    }
}

bool Simulation::checkpoint_due(SimTime min_time, double wall_seconds) {
    if (min_time >= next_checkpoint_) {
        next_checkpoint_ = next_multiple(min_time, checkpoint_->every);
        return true;
    }
    if (checkpoint_->wall_seconds <= 0.0) {
        return false;
    }
    // Wall clocks differ between ranks: rank 0 decides for all.
    const bool mine = wall_seconds - last_checkpoint_wall_ >= checkpoint_->wall_seconds;
    return transport_.broadcast(mine ? "1" : "0", RankId{0}) == "1";
}

void Simulation::write_checkpoint(SimTime at) {
    SimSnapshot snap;
    snap.time = at;
    snap.lp_count = static_cast<std::uint32_t>(engine_->owners().size());
    std::uint64_t last = 0;
    for (const std::uint64_t t :
         transport_.all_gather(static_cast<std::uint64_t>(engine_->last_event_time().in_ps()))) {
        last = std::max(last, t);
    }
    snap.last_event = SimTime::from_ps(static_cast<std::int64_t>(last));
    std::exception_ptr error;
    try {
        snap.lps = engine_->capture();
        if (checkpoint_->save_extra) {
            for (LpSnapshot& lp : snap.lps) {
                lp.extra = checkpoint_->save_extra(lp.id);
            }
        }
    } catch (...) {
        error = std::current_exception();
    }
    agree_on_error(transport_, error, true);
    last_snapshot_ =
        write_snapshot(transport_, checkpoint_->dir, snap, checkpoint_->inputs, last_snapshot_);
    ++snapshots_written_;
}

void Simulation::note_no_snapshot(SimTime end, double wall_seconds) const {
    if (to_underlying(transport_.rank()) != 0) {
        return;
    }
    if (checkpoint_->every != SimTime::max()) {
        fmt::print(stderr,
                   "lt-des: warning: no snapshot written: the run ended at {:.9g} s (simulated) "
                   "before the first period {:.9g} s (--checkpoint-every); {} holds no snapshot "
                   "of this run\n",
                   end.in_seconds(), next_multiple(resumed_at_, checkpoint_->every).in_seconds(),
                   checkpoint_->dir.string());
    } else if (checkpoint_->wall_seconds > 0.0) {
        fmt::print(stderr,
                   "lt-des: warning: no snapshot written: the run ended after {:.3g} minutes of "
                   "wall time before the first period {:.3g} minutes (--checkpoint-wall); {} "
                   "holds no snapshot of this run\n",
                   wall_seconds / 60.0, checkpoint_->wall_seconds / 60.0,
                   checkpoint_->dir.string());
    }
}

bool Simulation::checkpoint_on_stop() {
    const bool clean = !engine_->failed() && window_end_error_ == nullptr;
    const auto flags = transport_.all_gather(static_cast<std::uint64_t>(clean));
    if (std::find(flags.begin(), flags.end(), 0U) != flags.end()) {
        return false;  // an error, not only a stop: no consistent state to save
    }
    std::uint64_t at = static_cast<std::uint64_t>(SimTime::max().in_ps());
    for (const std::uint64_t t :
         transport_.all_gather(static_cast<std::uint64_t>(engine_->next_event_time().in_ps()))) {
        at = std::min(at, t);
    }
    try {
        write_checkpoint(SimTime::from_ps(static_cast<std::int64_t>(at)));
        return true;
    } catch (const std::exception& e) {
        // Every rank got the same error; the stop itself is still reported as such.
        if (to_underlying(transport_.rank()) == 0) {
            fmt::print(stderr, "lt-des: warning: no snapshot at the stop: {}\n", e.what());
        }
        return false;
    }
}

void Simulation::apply_controls(const ProgressCallback& progress,
                                const CheckpointOptions& checkpoint,
                                const RestartOptions& restart) {
    if (progress) {
        set_progress(progress);
    }
    if (!checkpoint.dir.empty()) {
        enable_checkpoints(checkpoint);
    }
    if (!restart.dir.empty()) {
        restart_from(restart);
    }
}

}  // namespace ltdes::des
