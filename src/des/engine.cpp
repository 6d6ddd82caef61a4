// SPDX-License-Identifier: MIT
#include "ltdes/des/engine.hpp"

#include "ltdes/core/assert.hpp"
#include "ltdes/core/error.hpp"

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/task_arena.h>

#include <algorithm>
#include <bit>
#include <limits>

namespace ltdes::des {

namespace {

constexpr std::uint32_t kNotLocal = std::numeric_limits<std::uint32_t>::max();

// Shards small enough that a shard's queue stays in cache, and at least 8 per thread so TBB
// can balance uneven shards.
std::uint32_t auto_lps_per_shard(std::size_t local_lps, int threads) {
    const std::size_t wanted_shards = static_cast<std::size_t>(threads) * 8;
    const std::size_t per = (local_lps + wanted_shards - 1) / wanted_shards;
    return static_cast<std::uint32_t>(std::clamp<std::size_t>(per, 1, 256));
}

}  // namespace

/// The TBB arena of one rank (threads > 1 only; one thread runs shards inline).
class Engine::Workers {
public:
    // mpirun binds a rank to one core and TBB would then cap its workers at 0 (with a warning
    // on stderr); the user asked for `threads`, so raise the cap for the engine's lifetime.
    explicit Workers(int threads)
        : cap_(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads)),
          arena_(threads) {}

    void run(std::span<Shard* const> shards, const std::function<void(Shard&)>& body) {
        arena_.execute([&] {
            tbb::parallel_for(tbb::blocked_range<std::size_t>(0, shards.size(), 1),
                              [&](const tbb::blocked_range<std::size_t>& r) {
                                  for (std::size_t i = r.begin(); i != r.end(); ++i) {
                                      body(*shards[i]);
                                  }
                              });
        });
    }

private:
    tbb::global_control cap_;
    tbb::task_arena arena_;
};

/// The Context handed to LPs of one shard: it knows which LP runs and forwards its sends.
class Engine::ShardContext final : public Context {
public:
    ShardContext(Engine& engine, Shard& shard, SimTime lookahead, std::uint32_t lp_count)
        : Context(lookahead, lp_count), engine_(engine), shard_(shard) {}

    void enter(LpSlot& slot, SimTime now) {
        slot_ = &slot;
        bind(slot.id, now, &slot.stats);
    }

    void set_finishing(bool finishing) { finishing_ = finishing; }

protected:
    void post(Event& ev) override {
        LTDES_ASSERT(!finishing_, "LP {} -> {}: sends are not allowed in on_finish", ev.src,
                     ev.dst);
        engine_.post(shard_, *slot_, ev);
    }

private:
    Engine& engine_;
    Shard& shard_;
    LpSlot* slot_ = nullptr;
    bool finishing_ = false;
};

Engine::Engine(const SimulationSpec& spec,
               RankId rank,
               int ranks,
               const Partitioner& partitioner,
               std::uint32_t lp_count,
               const LpFactory& factory)
    : spec_(spec), rank_(rank), lp_count_(lp_count) {
    owner_.resize(lp_count);
    local_index_.assign(lp_count, kNotLocal);
    for (std::uint32_t i = 0; i < lp_count; ++i) {
        const RankId r = partitioner.rank_of(LpId{i}, lp_count, ranks);
        LTDES_ASSERT(to_underlying(r) >= 0 && to_underlying(r) < ranks,
                     "partitioner put LP {} on rank {} of {}", i, r, ranks);
        owner_[i] = to_underlying(r);
        if (r == rank) {
            local_index_[i] = static_cast<std::uint32_t>(lps_.size());
            lps_.emplace_back().id = LpId{i};
        }
    }
    lps_per_shard_ =
        spec.lps_per_shard > 0 ? spec.lps_per_shard : auto_lps_per_shard(lps_.size(), spec.threads);
    if (std::has_single_bit(lps_per_shard_)) {
        shard_shift_ = std::countr_zero(lps_per_shard_);
    }
    const std::size_t shard_count = (lps_.size() + lps_per_shard_ - 1) / lps_per_shard_;
    shards_.resize(shard_count);
    for (std::size_t s = 0; s < shard_count; ++s) {
        Shard& sh = shards_[s];
        sh.first_lp = static_cast<std::uint32_t>(s * lps_per_shard_);
        sh.end_lp = static_cast<std::uint32_t>(
            std::min<std::size_t>(lps_.size(), (s + 1) * lps_per_shard_));
        sh.ctx = std::make_unique<ShardContext>(*this, sh, spec.lookahead, lp_count);
        sh.queue.set_horizon_width(SimTime::from_ps(
            std::min(spec.lookahead.in_ps(), std::numeric_limits<std::int64_t>::max() / 4) * 2));
    }
    rank_out_.resize(static_cast<std::size_t>(ranks));
    rank_out_min_.assign(static_cast<std::size_t>(ranks), SimTime::max());
    remote_delay_.assign(static_cast<std::size_t>(ranks), spec.lookahead);
    if (spec.threads > 1) {
        workers_ = std::make_unique<Workers>(spec.threads);
    }
    // A model that rejects its input on one rank must not desynchronise the others: the error
    // is kept and reported collectively by Simulation::run().
    try {
        for (LpSlot& slot : lps_) {
            slot.lp = factory(slot.id);
            LTDES_ASSERT(slot.lp != nullptr, "the LP factory returned no LP for LP {}", slot.id);
        }
    } catch (...) {
        build_error_ = std::current_exception();
    }
}

Engine::~Engine() = default;

void Engine::for_shards(std::span<Shard* const> shards, const std::function<void(Shard&)>& body) {
    auto guarded = [&](Shard& sh) {
        if (sh.error) {
            return;
        }
        try {
            body(sh);
        } catch (...) {
            sh.error = std::current_exception();
        }
    };
    if (workers_ && shards.size() > 1) {
        workers_->run(shards, guarded);
    } else {
        for (Shard* sh : shards) {
            guarded(*sh);
        }
    }
}

void Engine::post(Shard& shard, LpSlot& slot, Event& ev) {
    ev.seq = slot.next_seq++;
    ++slot.stats.events_sent;
    if (ev.time >= spec_.end_time) {
        return;  // would never run
    }
    const std::uint32_t local = local_index_[to_underlying(ev.dst)];
    if (local == kNotLocal) [[unlikely]] {
        post_remote(shard, ev);
        return;
    }
    Shard& target = shard_of_local(local);
    if (&target == &shard) {
        // Same queue: a send to another LP lands at >= window end, so it cannot run early.
        shard.queue.push(ev);
    } else {
        shard.local_out.push_back(ev);
    }
}

// Out of line: its checks would otherwise make post(), run for every event, save more
// registers (PHOLD ran 2 % more instructions per event with them inline).
void Engine::post_remote(Shard& shard, const Event& ev) {
    // The ranks' bounds rely on the model's delay graph: a send it did not promise would
    // arrive in a rank's past.
    const std::int32_t owner = owner_[to_underlying(ev.dst)];
    const SimTime now = shard.ctx->now();
    LTDES_ASSERT(ev.time - now >= remote_delay_[static_cast<std::size_t>(owner)],
                 "LP {} -> {} (rank {}): delay {} ps breaks the delay graph (at least {} ps)",
                 ev.src, ev.dst, owner, (ev.time - now).in_ps(),
                 remote_delay_[static_cast<std::size_t>(owner)].in_ps());
    // What the other ranks were promised: no event earlier than the bound plus the delay (an
    // LP may send ahead of its clock, e.g. a router dispatching a later arrival).
    const SimTime least = remote_delay_[static_cast<std::size_t>(owner)];
    LTDES_ASSERT(promised_output_ <= SimTime::max() - least && ev.time >= promised_output_ + least,
                 "LP {} -> {} (rank {}): an event at {} ps sent at {} ps, before this rank's "
                 "earliest output {} ps plus {} ps (an earliest_output() bound is wrong)",
                 ev.src, ev.dst, owner, ev.time.in_ps(), now.in_ps(), promised_output_.in_ps(),
                 least.in_ps());
    shard.remote_out.push_back(ev);
}

void Engine::start() {
    if (failed()) {
        return;
    }
    active_.clear();
    for (Shard& sh : shards_) {
        active_.push_back(&sh);
    }
    if (!restored_) {
        for_shards(active_, [this](Shard& sh) {
            for (std::uint32_t i = sh.first_lp; i < sh.end_lp; ++i) {
                LpSlot& slot = lps_[i];
                sh.ctx->enter(slot, SimTime::zero());
                slot.lp->on_start(*sh.ctx);
            }
        });
    }
    lps_bound_output_ = !lps_.empty() && std::all_of(lps_.begin(), lps_.end(), [](const LpSlot& s) {
        return s.lp->bounds_output();
    });
    outside_bound_.assign(lps_.size(), 0);
    for (std::size_t i = 0; i < lps_.size(); ++i) {
        const std::optional<LpId> to = lps_[i].lp->sole_target();
        if (!to || to_underlying(*to) >= lp_count_) {
            continue;
        }
        const std::uint32_t local = local_index_[to_underlying(*to)];
        outside_bound_[i] = local != kNotLocal && lps_[local].lp->output_ignores_input() ? 1 : 0;
    }
}

void Engine::run_shard(Shard& shard, SimTime window_end, SimTime hold) {
    shard.queue.prepare(window_end);
    // Two instances: the common one (no LP ever held) keeps PHOLD's hot loop as it was.
    if (checking_) {
        drain<true>(shard, window_end, hold);
    } else {
        drain<false>(shard, window_end, hold);
    }
}

template <bool Holding>
void Engine::drain(Shard& shard, SimTime window_end, SimTime hold) {
    ShardContext& ctx = *shard.ctx;
    Event ev;
    while (shard.queue.has_before(window_end)) {
        shard.queue.pop(ev);
        const std::uint32_t local = local_index_[to_underlying(ev.dst)];
        if constexpr (Holding) {
            if (ev.time >= hold && exposed_[local] != 0) {
                shard.held.push_back(ev);  // the round's bound: another rank may send before
                shard.held_min = std::min(shard.held_min, ev.time);
                continue;
            }
            // Sheltered LPs run ahead on the exposed LPs' promise: an event behind its LP's
            // clock broke it (and would otherwise run out of order).
            LTDES_ASSERT(ev.time >= lp_clock_[local],
                         "LP {} -> {}: an event at {} ps, after LP {} ran to {} ps on the promise "
                         "of the LPs other ranks can reach (an earliest_output() bound is wrong)",
                         ev.src, ev.dst, ev.time.in_ps(), ev.dst, lp_clock_[local].in_ps());
            lp_clock_[local] = ev.time;
        }
        LpSlot& slot = lps_[local];
        ctx.enter(slot, ev.time);
        ++slot.stats.events_executed;
        slot.fingerprint.add(ev.time, ev.dst, ev.kind);
        ++shard.events;
        shard.last_time = ev.time;
        slot.lp->on_event(ev, ctx);
    }
}

void Engine::execute_window(SimTime window_end, SimTime hold) {
    if (failed()) {
        return;
    }
    active_.clear();
    for (Shard& sh : shards_) {
        if (sh.queue.next_time() < window_end) {
            active_.push_back(&sh);
        }
    }
    if (hold != SimTime::max()) {
        checking_ = true;  // from now on LPs may be at different times: check every event
    }
    window_hold_ = hold;  // a member: a third capture would make std::function allocate
    for_shards(active_, [this, window_end](Shard& sh) { run_shard(sh, window_end, window_hold_); });
}

bool Engine::hears_other_ranks(LpId lp) const {
    return exposed_.empty() || exposed_[local_index_[to_underlying(lp)]] != 0;
}

void Engine::release_held(SimTime below) {
    for (Shard& sh : shards_) {
        if (sh.held_min >= below) {
            continue;
        }
        sh.held_min = SimTime::max();
        std::size_t kept = 0;
        for (const Event& ev : sh.held) {
            if (ev.time < below) {
                sh.queue.push(ev);
            } else {
                sh.held_min = std::min(sh.held_min, ev.time);
                sh.held[kept++] = ev;
            }
        }
        sh.held.resize(kept);
    }
}

void Engine::set_exposed(std::vector<char> exposed) {
    LTDES_ASSERT(exposed.size() == lps_.size(), "exposure of {} LPs for {} local LPs",
                 exposed.size(), lps_.size());
    exposed_ = std::move(exposed);
    any_sheltered_ = std::any_of(exposed_.begin(), exposed_.end(), [](char e) { return e == 0; });
    lp_clock_.assign(exposed_.size(), SimTime::zero());
}

SimTime Engine::sheltered_bound(SimTime hold) {
    if (!any_sheltered_ || failed()) {
        return hold;
    }
    SimTime bound = SimTime::max();
    for (std::size_t i = 0; i < lps_.size(); ++i) {
        if (exposed_[i] == 0) {
            continue;
        }
        LogicalProcess& lp = *lps_[i].lp;
        if (!lp.bounds_output() || !lp.output_ignores_input()) {
            return hold;  // it may answer another rank's event at once
        }
        try {
            bound = std::min(bound, lp.earliest_output(SimTime::max()));
        } catch (...) {
            shards_.front().error = std::current_exception();  // reported at the coming round
            return hold;
        }
    }
    const SimTime sheltered =
        bound >= SimTime::max() - spec_.lookahead ? SimTime::max() : bound + spec_.lookahead;
    return std::max(hold, sheltered);
}

void Engine::route() {
    // Serial and in shard order; the queues order events by key, so the routing order never
    // shows in the results.
    const bool direct = workers_ == nullptr;
    for (Shard& sh : shards_) {
        for (const Event& ev : sh.local_out) {
            Shard& target = shard_of_local(local_index_[to_underlying(ev.dst)]);
            if (direct) {
                target.queue.push(ev);
            } else {
                target.inbox.push_back(ev);
                target.inbox_min = std::min(target.inbox_min, ev.time);
            }
        }
        sh.local_out.clear();
        for (const Event& ev : sh.remote_out) {
            const auto r = static_cast<std::size_t>(owner_[to_underlying(ev.dst)]);
            rank_out_[r].push_back(ev);
            rank_out_min_[r] = std::min(rank_out_min_[r], ev.time);
            outgoing_min_ = std::min(outgoing_min_, ev.time);
        }
        sh.remote_out.clear();
    }
}

void Engine::clear_outbox() {
    for (auto& out : rank_out_) {
        out.clear();
    }
    std::fill(rank_out_min_.begin(), rank_out_min_.end(), SimTime::max());
    outgoing_min_ = SimTime::max();
}

void Engine::deliver(std::vector<Event>& received) {
    const bool direct = workers_ == nullptr;
    for (const Event& ev : received) {
        // Arrived after output_bound() was given: the LPs may react to it from its time on
        // (the other ranks' bounds count it as in transit).
        promised_output_ = std::min(promised_output_, ev.time);
        const std::uint32_t local = local_index_[to_underlying(ev.dst)];
        LTDES_ASSERT(local != kNotLocal, "rank {} received an event for LP {} of rank {}", rank_,
                     ev.dst, owner_[to_underlying(ev.dst)]);
        Shard& target = shard_of_local(local);
        if (direct) {
            target.queue.push(ev);
        } else {
            target.inbox.push_back(ev);
            target.inbox_min = std::min(target.inbox_min, ev.time);
        }
    }
    received.clear();
    if (direct) {
        return;
    }
    active_.clear();
    for (Shard& sh : shards_) {
        if (!sh.inbox.empty()) {
            active_.push_back(&sh);
        }
    }
    for_shards(active_, [](Shard& sh) {
        for (const Event& ev : sh.inbox) {
            sh.queue.push(ev);
        }
        sh.inbox.clear();
        sh.inbox_min = SimTime::max();
    });
}

SimTime Engine::next_event_time() const {
    SimTime t = next_runnable_time();
    for (const Shard& sh : shards_) {
        t = std::min(t, sh.held_min);
    }
    return t;
}

SimTime Engine::next_runnable_time() const {
    SimTime t = SimTime::max();
    // Events routed between shards of this rank wait in inboxes until deliver(); they are
    // pending all the same, or the window agreement could end the run before they execute.
    for (const Shard& sh : shards_) {
        t = std::min({t, sh.queue.next_time(), sh.inbox_min});
    }
    return t;
}

void Engine::next_event_times(std::vector<SimTime>& out) const {
    out.assign(lps_.size(), SimTime::max());
    const auto note = [&](const Event& ev) {
        SimTime& t = out[local_index_[to_underlying(ev.dst)]];
        t = std::min(t, ev.time);
    };
    for (const Shard& sh : shards_) {
        sh.queue.for_each(note);
        for (const Event& ev : sh.inbox) {
            note(ev);
        }
        for (const Event& ev : sh.held) {
            note(ev);
        }
    }
}

SimTime Engine::output_bound() {
    SimTime bound = next_event_time();
    if (lps_bound_output_ && !failed()) {
        SimTime lps_bound = SimTime::max();
        for (Shard& sh : shards_) {
            // Each LP's earliest pending event from another LP: an input it will react to.
            input_from_.assign(sh.end_lp - sh.first_lp, SimTime::max());
            const auto note = [&](const Event& ev) {
                if (ev.src != ev.dst) {
                    SimTime& t = input_from_[local_index_[to_underlying(ev.dst)] - sh.first_lp];
                    t = std::min(t, ev.time);
                }
            };
            sh.queue.for_each(note);
            for (const Event& ev : sh.inbox) {
                note(ev);
            }
            for (const Event& ev : sh.held) {
                note(ev);
            }
            try {
                for (std::uint32_t i = sh.first_lp; i < sh.end_lp; ++i) {
                    if (outside_bound_[i] == 0) {
                        lps_bound = std::min(
                            lps_bound, lps_[i].lp->earliest_output(input_from_[i - sh.first_lp]));
                    }
                }
            } catch (...) {
                sh.error = std::current_exception();  // reported at the coming round
                lps_bound = bound;
                break;
            }
        }
        bound = lps_bound;
    }
    promised_output_ = bound;
    return bound;
}

void Engine::finish(SimTime now) {
    if (failed()) {
        return;
    }
    active_.clear();
    for (Shard& sh : shards_) {
        active_.push_back(&sh);
    }
    for_shards(active_, [this, now](Shard& sh) {
        sh.ctx->set_finishing(true);
        for (std::uint32_t i = sh.first_lp; i < sh.end_lp; ++i) {
            LpSlot& slot = lps_[i];
            sh.ctx->enter(slot, now);
            slot.lp->on_finish(*sh.ctx);
        }
    });
}

std::uint64_t Engine::events_executed() const {
    std::uint64_t n = 0;
    for (const Shard& sh : shards_) {
        n += sh.events;
    }
    return n;
}

std::uint64_t Engine::fingerprint() const {
    std::uint64_t sum = 0;
    for (const LpSlot& slot : lps_) {
        sum += slot.fingerprint.contribution(slot.id);
    }
    return sum;
}

SimTime Engine::last_event_time() const {
    SimTime t = SimTime::zero();
    for (const Shard& sh : shards_) {
        t = std::max(t, sh.last_time);
    }
    return t;
}

bool Engine::failed() const {
    if (build_error_) {
        return true;
    }
    return std::any_of(shards_.begin(), shards_.end(),
                       [](const Shard& sh) { return sh.error != nullptr; });
}

std::exception_ptr Engine::failure() const {
    if (build_error_) {
        return build_error_;
    }
    for (const Shard& sh : shards_) {
        if (sh.error) {
            return sh.error;
        }
    }
    return nullptr;
}

void Engine::for_each_lp(const std::function<void(LpId, LogicalProcess&)>& visit) {
    for (LpSlot& slot : lps_) {
        if (slot.lp) {
            visit(slot.id, *slot.lp);
        }
    }
}

const LpStats& Engine::lp_stats(LpId lp) const {
    LTDES_ASSERT(to_underlying(lp) < lp_count_ && local_index_[to_underlying(lp)] != kNotLocal,
                 "LP {} is not owned by rank {}", lp, rank_);
    return lps_[local_index_[to_underlying(lp)]].stats;
}

}  // namespace ltdes::des
