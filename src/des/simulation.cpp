// SPDX-License-Identifier: MIT
#include "ltdes/des/simulation.hpp"

#include "ltdes/core/assert.hpp"
#include "ltdes/core/error.hpp"
#include "ltdes/des/engine.hpp"
#include "ltdes/des/window_sync.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <exception>
#include <string>
#include <utility>

namespace ltdes::des {

namespace {

// Tags of the failure broadcast: which exception family every rank rethrows.
constexpr char kBadInput = 'E';
constexpr char kInternal = 'I';

std::string describe(const std::exception_ptr& error) {
    try {
        std::rethrow_exception(error);
    } catch (const Error& e) {
        return std::string(1, kBadInput) + e.what();
    } catch (const std::exception& e) {
        return std::string(1, kInternal) + e.what();
    } catch (...) {
        return std::string(1, kInternal) + "unknown exception";
    }
}

}  // namespace

void SimulationSpec::validate() const {
    if (lookahead <= SimTime::zero()) {
        throw ConfigError(fmt::format("lookahead must be > 0 ps (got {} ps)", lookahead.in_ps()));
    }
    if (end_time < SimTime::zero()) {
        throw ConfigError(fmt::format("end time must be >= 0 ps (got {} ps)", end_time.in_ps()));
    }
    if (threads < 1) {
        throw ConfigError(fmt::format("threads must be >= 1 (got {})", threads));
    }
}

Simulation::Simulation(const SimulationSpec& spec,
                       Transport& transport,
                       const Partitioner& partitioner,
                       std::uint32_t lp_count,
                       const LpFactory& factory)
    : transport_(transport), spec_(spec) {
    spec_.validate();
    engine_ = std::make_unique<Engine>(spec_, transport.rank(), transport.size(), partitioner,
                                       lp_count, factory);
}

Simulation::~Simulation() = default;

void Simulation::set_progress(ProgressCallback callback) {
    progress_ = std::move(callback);
}

void Simulation::set_window_end(WindowEndCallback callback) {
    window_end_ = std::move(callback);
}

namespace {

// Every rank throws the same family with the same message; the failing rank rethrows its own
// exception so its type is kept.
[[noreturn]] void raise_everywhere(Transport& transport,
                                   const std::exception_ptr& failure,
                                   std::int32_t failed_rank) {
    const bool mine = to_underlying(transport.rank()) == failed_rank;
    const std::string text = mine ? describe(failure) : std::string();
    const std::string shared = transport.broadcast(text, RankId{failed_rank});
    if (mine) {
        std::rethrow_exception(failure);
    }
    LTDES_ASSERT(!shared.empty(), "empty failure report from rank {}", failed_rank);
    if (shared.front() == kBadInput) {
        throw Error(shared.substr(1));
    }
    throw InternalError(shared.substr(1));
}

}  // namespace

RunStats Simulation::run() {
    LTDES_ASSERT(!ran_, "Simulation::run() may be called once");
    ran_ = true;
    using Clock = std::chrono::steady_clock;
    const auto started = Clock::now();
    auto elapsed = [&] { return std::chrono::duration<double>(Clock::now() - started).count(); };

    WindowSync sync(transport_, spec_.lookahead, spec_.end_time);
    Engine& engine = *engine_;
    engine.start();
    std::vector<Event> inbox;
    std::uint64_t windows = 0;
    // This rank's failure: an LP's (kept by the engine) or the window-end hook's.
    const auto failed = [&] { return engine.failed() || window_end_error_ != nullptr; };
    const auto failure = [&] { return engine.failed() ? engine.failure() : window_end_error_; };
    while (true) {
        engine.route();
        const SimTime local_min = std::min(engine.next_event_time(), engine.outgoing_min());
        const Window w =
            sync.next(engine.rank_outbox(), inbox, local_min, engine.events_executed(), failed());
        engine.deliver(inbox);
        if (w.failed_rank >= 0) {
            raise_everywhere(transport_, failure(), w.failed_rank);
        }
        if (w.done) {
            break;
        }
        engine.execute_window(w.end);
        ++windows;
        if (window_end_ && !failed()) {
            try {
                window_end_();
            } catch (...) {
                window_end_error_ = std::current_exception();  // agreed on at the next window
            }
        }
        if (progress_) {
            progress_(WindowProgress{w.start, w.end, w.global_events, windows, elapsed()});
        }
    }

    RunStats stats;
    stats.windows = windows;
    const auto last_times =
        transport_.all_gather(static_cast<std::uint64_t>(engine.last_event_time().in_ps()));
    stats.last_event_time = SimTime::from_ps(
        static_cast<std::int64_t>(*std::max_element(last_times.begin(), last_times.end())));
    engine.finish(stats.last_event_time);
    const WindowReduction after = transport_.reduce_window(SimTime::max(), 0, failed());
    if (after.failed_rank >= 0) {
        raise_everywhere(transport_, failure(), after.failed_rank);
    }

    stats.local_events = engine.events_executed();
    stats.events_per_rank = transport_.all_gather(stats.local_events);
    for (const std::uint64_t n : stats.events_per_rank) {
        stats.global_events += n;
    }
    for (const std::uint64_t f : transport_.all_gather(engine.fingerprint())) {
        stats.fingerprint += f;  // wrapping sum: independent of how LPs are split
    }
    stats.local_wall_seconds = elapsed();
    const auto wall_ns = transport_.all_gather(
        static_cast<std::uint64_t>(std::llround(stats.local_wall_seconds * 1e9)));
    for (const std::uint64_t ns : wall_ns) {
        stats.wall_seconds_per_rank.push_back(static_cast<double>(ns) * 1e-9);
    }
    return stats;
}

void Simulation::for_each_local_lp(const std::function<void(LpId, LogicalProcess&)>& visit) {
    engine_->for_each_lp(visit);
}

std::uint32_t Simulation::local_lp_count() const {
    return engine_->local_lp_count();
}

const LpStats& Simulation::lp_stats(LpId lp) const {
    return engine_->lp_stats(lp);
}

}  // namespace ltdes::des
