// SPDX-License-Identifier: MIT
#include "ltdes/serving/serving_run.hpp"

#include "ltdes/cluster/chip_memory.hpp"
#include "ltdes/cluster/topology.hpp"
#include "ltdes/core/assert.hpp"
#include "ltdes/core/error.hpp"
#include "ltdes/core/huge_pages.hpp"
#include "ltdes/des/context.hpp"
#include "ltdes/des/delay_graph.hpp"
#include "ltdes/des/logical_process.hpp"
#include "ltdes/serving/cost_sharing.hpp"
#include "ltdes/serving/iteration_cost.hpp"
#include "ltdes/serving/iteration_cost_cache.hpp"
#include "ltdes/serving/iteration_log.hpp"
#include "ltdes/serving/lone_costs_ahead.hpp"
#include "ltdes/serving/replica_chips.hpp"
#include "ltdes/serving/replica_cost_key.hpp"
#include "ltdes/serving/replica_picker.hpp"
#include "ltdes/serving/replica_scheduler.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <numeric>
#include <optional>
#include <string>
#include <type_traits>

namespace ltdes::serving {

namespace {

/// On several ranks, rounds overlap the windows (des::SimulationSpec::overlap_rounds): a rank
/// looks whether its round is done every this many events, so that the completions it sends
/// (what the router's rank waits for before it can dispatch further ahead) go out soon. Looking
/// more often costs the busy rank; less often leaves the other waiting (64 was the fastest of
/// 16, 64 and 128 on the serving hour, docs/performance.md). With snapshots, rounds do not
/// overlap and a rank goes to the next round after this many events.
constexpr std::uint64_t kRoundEvents = 64;

/// The router dispatches ahead of its clock at most this many arrivals: every request it sends
/// ahead waits in its replica's queue, and the kernel looks through the queues at every round
/// (Engine::output_bound). With every lone completion forecast, an unlimited router sent
/// thousands ahead, and those looks cost 12 % of each rank's instructions on the serving hour.
/// 32 arrivals are seconds of simulated time there, far more than the ranks drift apart.
constexpr std::uint64_t kDispatchAhead = 32;

/// Router self-event: request `index` (into the router's list) arrives.
struct ArrivalMsg {
    static constexpr std::uint16_t kKind = 201;
    std::uint64_t index = 0;
};

/// Router → replica: a request to serve. `forecast`: when it completes, as the router worked
/// it out (RouterLp::forecast_alone), or SimTime::max() when it did not.
struct RequestMsg {
    static constexpr std::uint16_t kKind = 202;
    trace::RequestRecord record;
    SimTime forecast = SimTime::max();
};

/// Replica → router: a request completed. Not sent for a request the router forecast whose
/// forecast held (no request reached its replica before it completed): the router knows when
/// its notice would have come and counts it itself (RouterLp::count_silent_completions).
struct CompletionMsg {
    static constexpr std::uint16_t kKind = 203;
    std::uint32_t replica = 0;
};

/// Replica → router, when a request reaches an idle replica: if the router sends it nothing
/// more, the request completes at `completion`, so its completion notice arrives a dispatch
/// latency later. `received`: requests the replica has received, this one included.
struct ForecastMsg {
    static constexpr std::uint16_t kKind = 207;
    std::uint32_t replica = 0;
    std::uint64_t received = 0;
    SimTime completion;
};

/// Replica self-event: the current iteration's stage `stage` is done (transfer included).
struct StageDoneMsg {
    static constexpr std::uint16_t kKind = 204;
    std::uint32_t stage = 0;
};

/// Replica self-event (round robin): its `index`-th own request reaches it.
struct OwnArrivalMsg {
    static constexpr std::uint16_t kKind = 206;
    std::uint64_t index = 0;
};

/// Replica self-event: the generated tokens are back on the first stage.
struct ResumeMsg {
    static constexpr std::uint16_t kKind = 205;
    std::uint32_t unused = 0;
};

static_assert(des::Payload<RequestMsg>);

/// When `r`, reaching an idle replica at `start` (`cold`: its first request), completes if it
/// runs alone, from the costs already in `cost`; nothing when one is not there yet, or when
/// its completion notice (`notice` later) would fall past the time limit. The router's and the
/// replica's forecasts both come from here, so they agree.
std::optional<SimTime> lone_completion(IterationCostCache& cost,
                                       const trace::RequestRecord& r,
                                       bool cold,
                                       SimTime start,
                                       SimTime notice) {
    const std::optional<SimTime> busy = cost.known_lone_duration(
        SliceShape{r.prompt_tokens, 0, true}, cold, r.prompt_tokens, r.decode_tokens - 1);
    if (!busy || start > SimTime::max() - notice || *busy > SimTime::max() - start - notice) {
        return std::nullopt;
    }
    return start + *busy;
}

/// Where a rank's rows start in the global order, and how many rows all ranks hold.
struct RowBlock {
    std::uint64_t first = 0;
    std::uint64_t total = 0;
};

/// Collective: where this rank's `rows` (sorted by replica) start in the global order by
/// replica, when every rank's rows are a block of it (each rank's replicas after those of the
/// ranks before it, as the block partition places them); nothing otherwise.
std::optional<RowBlock> row_block(const std::vector<IterationRow>& rows,
                                  des::Transport& transport) {
    constexpr std::uint64_t kNone = ~std::uint64_t{0};
    const auto counts = transport.all_gather(rows.size());
    const auto lows = transport.all_gather(rows.empty() ? kNone : rows.front().replica);
    const auto highs = transport.all_gather(rows.empty() ? kNone : rows.back().replica);
    const auto me = static_cast<std::size_t>(to_underlying(transport.rank()));
    RowBlock block;
    std::uint64_t last_high = kNone;  // the highest replica of the ranks before, with rows
    for (std::size_t r = 0; r < counts.size(); ++r) {
        if (counts[r] == 0) {
            continue;
        }
        if (last_high != kNone && lows[r] <= last_high) {
            return std::nullopt;  // a replica's rows on two ranks, or ranks out of order
        }
        last_high = highs[r];
        block.first += r < me ? counts[r] : 0;
        block.total += counts[r];
    }
    return block;
}

/// Collective: `n` summed over the ranks of `transport`.
std::uint64_t sum_over_ranks(des::Transport& transport, std::uint64_t n) {
    const std::vector<std::uint64_t> all = transport.all_gather(n);
    return std::accumulate(all.begin(), all.end(), std::uint64_t{0});
}

/// What the router needs to forecast a lone request itself: the serving spec, each replica's
/// KV cache (for its capacity), and the cost cache of this rank that holds a replica's costs
/// (null: none here), asked once per replica when the run starts.
struct RouterForecasts {
    ServingSpec spec;
    std::vector<KvBlockManager> kv;
    std::function<IterationCostCache*(std::uint32_t replica)> cost_of;
};

class RouterLp final : public des::LogicalProcess {
public:
    /// `forecasts`: the replicas send ForecastMsg, and the router forecasts what its rank's
    /// caches allow, which lets it dispatch further ahead. Null: neither.
    RouterLp(std::vector<trace::RequestRecord> requests,
             std::uint32_t replicas,
             RouterPolicy policy,
             SimTime dispatch,
             std::optional<RouterForecasts> forecasts)
        : requests_(std::move(requests)),
          picker_(replicas, policy),
          dispatch_(dispatch),
          forecasts_(std::move(forecasts)),
          sent_(replicas, 0),
          notice_at_(replicas, SimTime::max()),
          silent_at_(replicas, SimTime::max()),
          foreseen_(replicas, 0) {}

    void on_start(des::Context& ctx) override {
        if (forecasts_) {
            // Every LP of this rank, and so every cache, exists by now.
            for (std::uint32_t r = 0; r < sent_.size(); ++r) {
                cost_of_.push_back(forecasts_->cost_of(r));
            }
        }
        if (!requests_.empty()) {
            ctx.send(ctx.self(), requests_[0].arrival - ctx.now(), ArrivalMsg{0});
        }
        dispatch_ahead(ctx);
    }

    bool bounds_output() const override { return true; }

    /// Every request the router sends arrives `dispatch` after the first arrival it has not
    /// dispatched yet or later, whatever it receives (completions only lower counts).
    SimTime earliest_output(SimTime /*input_from*/) override {
        return decided_ < requests_.size() ? requests_[decided_].arrival : SimTime::max();
    }

    bool output_ignores_input() const override { return true; }

    void on_event(const des::Event& ev, des::Context& ctx) override {
        if (forecasts_) {
            count_silent_completions(ctx.now());  // as their notices would have been by now
        }
        if (ev.kind == CompletionMsg::kKind) {
            const std::uint32_t r = ev.as<CompletionMsg>().replica;
            if (foreseen_[r] > 0) {
                --foreseen_[r];  // counted already, from its forecast
            } else {
                picker_.complete(r);
                notice_at_[r] = SimTime::max();
            }
        } else if (ev.kind == ForecastMsg::kKind) {
            const auto& f = ev.as<ForecastMsg>();
            // Only while that request is the replica's one outstanding request: the router
            // has sent it nothing since (a later request would change when it ends).
            if (f.received == sent_[f.replica] && picker_.outstanding()[f.replica] == 1) {
                notice_at_[f.replica] = f.completion + dispatch_;
            }
        } else {
            const std::uint64_t i = ev.as<ArrivalMsg>().index;
            arrived_ = i + 1;
            if (i == decided_) {
                dispatch(picker_.pick(), ctx);  // the counts now are the exact ones
            }
            if (i + 1 < requests_.size()) {
                ctx.send(ctx.self(), requests_[i + 1].arrival - ctx.now(), ArrivalMsg{i + 1});
            }
        }
        dispatch_ahead(ctx);
    }

    void save(des::StateWriter& out) const override {
        // Forecasts' state is not in snapshots: runs that take them go without (run_serving).
        LTDES_ASSERT(!forecasts_, "router: a snapshot of a run with forecasts");
        out.put_vector(picker_.outstanding());
        out.put(picker_.cursor());
        out.put(decided_);
    }

    void restore(des::StateReader& in) override {
        const std::size_t replicas = picker_.outstanding().size();
        auto outstanding = in.get_vector<std::uint64_t>(replicas);
        in.check(outstanding.size() == replicas, "router: replica count differs");
        const auto cursor = in.get<std::uint64_t>();
        picker_.restore(std::move(outstanding), cursor);
        decided_ = in.get<std::uint64_t>();
        in.check(decided_ <= requests_.size(), "router: more requests dispatched than routed");
        arrived_ = decided_;  // at most: only how far ahead it may dispatch depends on it
    }

    /// Completions the router counted from forecasts, before their notices came or with no
    /// notice at all.
    std::uint64_t foreseen_total() const { return foreseen_total_ + silent_total_; }

    /// Completions the router forecast itself.
    std::uint64_t forecasts_made() const { return forecasts_made_; }

private:
    /// Sends the first undispatched request to `replica`, timed at its arrival.
    void dispatch(std::uint32_t replica, des::Context& ctx) {
        const bool cold = sent_[replica] == 0;
        ++sent_[replica];
        notice_at_[replica] = SimTime::max();  // a forecast is for the replica's last request
        const trace::RequestRecord& r = requests_[decided_++];
        // This request reaches the replica at arrival + dispatch. At or before the forecast
        // request's completion (notice time − dispatch; at a tie the router's message runs
        // first), it breaks that forecast, and the replica sends the notice after all.
        if (silent_at_[replica] != SimTime::max() &&
            r.arrival <= silent_at_[replica] - dispatch_ - dispatch_) {
            silent_at_[replica] = SimTime::max();
        }
        const SimTime forecast = forecast_alone(replica, r, cold);
        if (forecast != SimTime::max()) {
            LTDES_ASSERT(silent_at_[replica] == SimTime::max(),
                         "router: replica {} has two forecast requests", replica);
            silent_at_[replica] = forecast + dispatch_;
            ++forecasts_made_;
        }
        // (arrival - now) first: an arrival near the time limit plus the latency must not wrap
        // before Context::send can report it.
        ctx.send(LpId{1 + replica}, r.arrival - ctx.now() + dispatch_, RequestMsg{r, forecast});
    }

    /// When `r`, just picked for `replica`, completes, or SimTime::max() when the router cannot
    /// tell: only if it is the replica's one outstanding request (so the replica is idle when
    /// it arrives: every earlier request's notice, or its forecast one, came before this
    /// arrival), runs plainly alone, and its rank's cache holds all its costs. Then it is what
    /// the replica would forecast on receipt (ReplicaLp::forecast), known a round trip sooner:
    /// the router need not wait for the replica's rank to receive the request.
    SimTime forecast_alone(std::uint32_t replica, const trace::RequestRecord& r, bool cold) {
        if (!forecasts_ || picker_.outstanding()[replica] != 1) {
            return SimTime::max();
        }
        const RouterForecasts& f = *forecasts_;
        IterationCostCache* cost = cost_of_[replica];
        if (cost == nullptr || r.arrival > SimTime::max() - dispatch_ ||
            !ReplicaScheduler::runs_plainly_alone(f.spec, f.kv[replica], r)) {
            return SimTime::max();
        }
        return lone_completion(*cost, r, cold, r.arrival + dispatch_, dispatch_)
            .value_or(SimTime::max());
    }

    /// Dispatches the coming arrivals whose replica no completion before them can change
    /// (ReplicaPicker::certain_pick), ahead of the clock: the decisions are those the router
    /// would take at each arrival, and other ranks need not wait for this router to get there.
    void dispatch_ahead(des::Context& ctx) {
        while (decided_ < requests_.size() && decided_ < arrived_ + kDispatchAhead) {
            if (forecasts_) {
                count_silent_completions(requests_[decided_].arrival);
                count_foreseen_completion();
            }
            const std::int64_t r = picker_.certain_pick();
            if (r < 0) {
                return;
            }
            const std::uint32_t picked = picker_.pick();
            LTDES_ASSERT(picked == static_cast<std::uint32_t>(r), "router: certain pick {} != {}",
                         r, picked);
            dispatch(picked, ctx);
        }
    }

    /// When the replica the next pick's scan starts at has one request outstanding whose
    /// completion notice, by its forecast, arrives before the next arrival: counts that
    /// completion now (the notice, when it comes, is then passed over), as the router would
    /// have counted the notice at that arrival. Its pick may then be certain.
    void count_foreseen_completion() {
        const std::uint32_t r = picker_.scan_start();
        if (picker_.outstanding()[r] == 1 && notice_at_[r] < requests_[decided_].arrival) {
            picker_.complete(r);
            ++foreseen_[r];
            ++foreseen_total_;
            notice_at_[r] = SimTime::max();
        }
    }

    /// Counts the completions of the router's own forecast requests whose notices, had they
    /// been sent, would have arrived before `t`: what the picks from `t` on would have seen
    /// (a notice at an arrival's time comes after it, the router being LP 0). Every pick comes
    /// at or after the arrival it is for, so counting early changes none. Counting a notice
    /// of `t` itself only at the next event errs on the safe side: a replica's forecast may
    /// then be passed over, never a pick changed.
    void count_silent_completions(SimTime t) {
        for (std::uint32_t r = 0; r < silent_at_.size(); ++r) {
            if (silent_at_[r] < t) {
                picker_.complete(r);
                silent_at_[r] = SimTime::max();
                ++silent_total_;
            }
        }
    }

    std::vector<trace::RequestRecord> requests_;
    ReplicaPicker picker_;
    SimTime dispatch_;
    std::optional<RouterForecasts> forecasts_;
    std::vector<IterationCostCache*> cost_of_;  // by replica, from forecasts_ at the start
    std::uint64_t forecasts_made_ = 0;
    std::uint64_t decided_ = 0;            // requests dispatched (a prefix of requests_)
    std::uint64_t arrived_ = 0;            // arrivals the router's clock has passed
    std::vector<std::uint64_t> sent_;      // by replica: requests sent to it
    std::vector<SimTime> notice_at_;       // by replica: its forecast notice of its one request
    std::vector<SimTime> silent_at_;       // by replica: when the notice of the router's
                                           // forecast request would come; none is sent
    std::vector<std::uint32_t> foreseen_;  // by replica: notices counted from forecasts
    std::uint64_t foreseen_total_ = 0;
    std::uint64_t silent_total_ = 0;
};

/// Who talks to whom: the router (LP 0) to every replica and every replica to the router, one
/// dispatch latency each way. Lets the kernel see that the replicas of a rank only hear the
/// router.
class RouterGraph final : public des::DelayGraph {
public:
    RouterGraph(std::uint32_t replicas, SimTime dispatch)
        : replicas_(replicas), dispatch_(dispatch) {}

    void for_each_target(LpId src, const std::function<void(LpId, SimTime)>& visit) const override {
        if (to_underlying(src) != 0) {
            visit(LpId{0}, dispatch_);
            return;
        }
        for (std::uint32_t r = 0; r < replicas_; ++r) {
            visit(LpId{1 + r}, dispatch_);
        }
    }

    /// The router sends at trace arrivals whatever it hears (RouterLp::output_ignores_input).
    bool relays(LpId lp) const override { return to_underlying(lp) != 0; }

private:
    std::uint32_t replicas_;
    SimTime dispatch_;
};

class ReplicaLp final : public des::LogicalProcess {
public:
    /// `own`: with round robin the replica's requests in arrival order, injected here (the
    /// router then sends nothing and expects no completion notices); empty otherwise. With
    /// `chips` (op fidelity) iterations run op by op on them, otherwise on `cost` (shared with
    /// the rank's replicas whose costs are the same).
    ReplicaLp(std::uint32_t replica,
              const ServingSpec& spec,
              std::uint64_t kv_blocks,
              std::shared_ptr<IterationCostCache> cost,
              std::unique_ptr<ReplicaChips> chips,
              SimTime dispatch,
              std::vector<trace::RequestRecord> own,
              bool forecasts)
        : replica_(replica),
          scheduler_(spec, kv_blocks),
          cost_(std::move(cost)),
          chips_(std::move(chips)),
          dispatch_(dispatch),
          own_(std::move(own)),
          notify_router_(spec.router != RouterPolicy::round_robin),
          forecasts_(forecasts && notify_router_ && !chips_) {}

    void on_start(des::Context& ctx) override {
        if (!own_.empty()) {
            ctx.send(ctx.self(), own_[0].arrival - ctx.now() + dispatch_, OwnArrivalMsg{0});
        }
    }

    void on_event(const des::Event& ev, des::Context& ctx) override {
        switch (ev.kind) {
            case OwnArrivalMsg::kKind: {
                const std::uint64_t i = ev.as<OwnArrivalMsg>().index;
                scheduler_.add(own_[i], ctx.now());
                if (i + 1 < own_.size()) {
                    ctx.send(ctx.self(), own_[i + 1].arrival - ctx.now() + dispatch_,
                             OwnArrivalMsg{i + 1});
                }
                if (!busy_) {
                    start_iteration(ctx);
                }
                break;
            }
            case RequestMsg::kKind: {
                const auto& msg = ev.as<RequestMsg>();
                const trace::RequestRecord& r = msg.record;
                ++received_;
                promised_.reset();  // it assumed no further request
                const auto alone = [&] {
                    return !busy_ && scheduler_.running() == 0 && scheduler_.waiting() == 0 &&
                           scheduler_.runs_plainly_alone(r);
                };
                if (msg.forecast != SimTime::max()) {
                    // The router forecast it (RouterLp::forecast_alone); checked at completion.
                    LTDES_ASSERT(alone(),
                                 "replica {}: request {} forecast by the router, but it "
                                 "does not run alone here",
                                 replica_, r.id);
                    promised_ = Promise{r.id, msg.forecast, true};
                } else if (forecasts_ && alone()) {
                    forecast(r, ctx);
                }
                scheduler_.add(r, ctx.now());
                if (!busy_) {
                    start_iteration(ctx);
                }
                break;
            }
            case StageDoneMsg::kKind:
                stage_done(ev.as<StageDoneMsg>().stage, ctx);
                break;
            case ResumeMsg::kKind:
                busy_ = false;
                resuming_ = false;
                start_iteration(ctx);
                break;
            default:
                if (chips_ && chips_->on_event(ev, ctx)) {
                    if (chips_->finished()) {
                        end_iteration(chips_->energy(), chips_->resume_time() - ctx.now(), ctx);
                    }
                    break;
                }
                LTDES_UNREACHABLE("replica LP {}: unknown event kind {}", ctx.self(), ev.kind);
        }
    }

    /// At op fidelity the chips' events decide when an iteration ends, which the iteration
    /// cost does not promise to the picosecond everywhere: no bound, the rank falls back to
    /// its earliest pending event.
    bool bounds_output() const override { return !chips_; }

    /// A replica sends only completion notices, at the end of an iteration: not before the
    /// running iteration ends (or the next one starts), nor before a request arriving at
    /// `input_from` could start one. Working out the first completing iteration ahead would
    /// give the router's rank more room, but it cost as much as running the iterations, and
    /// the router dispatches ahead of its clock instead (RouterLp::dispatch_ahead). A lone
    /// request with a forecast is the exception: its completion is known, and until another
    /// request comes (`input_from`) the replica sends nothing before it, so the router's rank
    /// need not wait for this one's iterations.
    SimTime earliest_output(SimTime input_from) override {
        if (!notify_router_) {
            return SimTime::max();  // round robin: nothing ever leaves the replica
        }
        if (!busy_) {
            return input_from;
        }
        if (promised_) {
            // The router's own forecast: no notice unless a request comes first.
            return promised_->silent ? input_from : std::min(input_from, promised_->completion);
        }
        return std::min(input_from, resuming_ ? resume_at_ : started_ + iteration_.duration());
    }

    /// Completion notices go to the router only.
    std::optional<LpId> sole_target() const override { return LpId{0}; }

    /// Checkpoints. Not saved: the iteration-cost cache, recomputed on demand with the same
    /// result. At op fidelity the chips' state follows (ReplicaChips::save).
    void save(des::StateWriter& out) const override {
        scheduler_.save(out);
        out.put(static_cast<std::uint8_t>((busy_ ? 1 : 0) | (resuming_ ? 2 : 0) | (warm_ ? 4 : 0)));
        out.put(resume_at_);
        out.put(started_);
        out.put_vector(plan_.slices);
        out.put(plan_.prefill_tokens);
        out.put(plan_.decode_tokens);
        out.put(plan_.kv_blocks);
        out.put_vector(iteration_.stages);
        out.put(iteration_.feedback);
        out.put_vector(shapes_);
        out.put_vector(requests_);
        out.put_vector(iterations_.to_vector());
        out.put(energy_);
        out.put(static_cast<std::uint8_t>(chips_ ? 1 : 0));
        if (chips_) {
            chips_->save(out);
        }
    }

    void restore(des::StateReader& in) override {
        scheduler_.restore(in);
        const auto flags = in.get<std::uint8_t>();
        in.check(flags < 8, "replica flags");
        busy_ = (flags & 1) != 0;
        resuming_ = (flags & 2) != 0;
        warm_ = (flags & 4) != 0;
        resume_at_ = in.get<SimTime>();
        started_ = in.get<SimTime>();
        plan_.slices = in.get_vector<BatchSlice>(std::uint64_t{1} << 32);
        plan_.prefill_tokens = in.get<std::uint64_t>();
        plan_.decode_tokens = in.get<std::uint64_t>();
        plan_.kv_blocks = in.get<std::uint64_t>();
        iteration_.stages = in.get_vector<StageCost>(std::uint64_t{1} << 20);
        iteration_.feedback = in.get<SimTime>();
        shapes_ = in.get_vector<SliceShape>(std::uint64_t{1} << 32);
        requests_ = in.get_vector<RequestRow>(std::uint64_t{1} << 40);
        iterations_.assign(in.get_vector<IterationRow>(std::uint64_t{1} << 40));
        energy_ = in.get<EnergyPj>();
        in.check(in.get<std::uint8_t>() == (chips_ ? 1 : 0),
                 "replica: the snapshot was taken at another fidelity");
        if (chips_) {
            chips_->restore(in);
        }
    }

    std::vector<RequestRow>& requests() { return requests_; }

    IterationLog& iterations() { return iterations_; }

    const ReplicaScheduler& scheduler() const { return scheduler_; }

    const EnergyPj& energy() const { return energy_; }

    /// Forecasts this replica sent the router.
    std::uint64_t forecasts_sent() const { return forecasts_sent_; }

    /// Completions of the router's forecast requests, whose notice was not sent.
    std::uint64_t notices_spared() const { return notices_spared_; }

private:
    static void shapes_of(const IterationPlan& plan, std::vector<SliceShape>& shapes) {
        shapes.clear();
        for (const BatchSlice& b : plan.slices) {
            shapes.push_back(SliceShape{b.tokens, b.cached, b.emits});
        }
    }

    /// `r` reaches this idle replica: unless another request comes, its iterations run back to
    /// back from now, and the costs of those already known tell when it completes. Tells the
    /// router (RouterLp::count_foreseen_completion) and checks it when it completes.
    void forecast(const trace::RequestRecord& r, des::Context& ctx) {
        const std::optional<SimTime> completion =
            lone_completion(*cost_, r, !warm_, ctx.now(), dispatch_);
        if (!completion) {
            return;  // not known yet, or past the time limit: the router waits for the notice
        }
        promised_ = Promise{r.id, *completion, false};
        ++forecasts_sent_;
        ctx.send(LpId{0}, dispatch_, ForecastMsg{replica_, received_, promised_->completion});
    }

    void start_iteration(des::Context& ctx) {
        scheduler_.next(ctx.now(), plan_);
        if (plan_.empty()) {
            busy_ = false;
            return;
        }
        busy_ = true;
        started_ = ctx.now();
        shapes_of(plan_, shapes_);
        const bool cold = !warm_;
        warm_ = true;  // resident weights are read from DRAM in the first iteration only
        if (chips_) {
            chips_->start(shapes_, cold, ctx);
            return;
        }
        cost_->cost(shapes_, cold, iteration_);
        const StageCost& s0 = iteration_.stages[0];
        ctx.send(ctx.self(), s0.duration + s0.transfer, StageDoneMsg{0});
    }

    void stage_done(std::uint32_t stage, des::Context& ctx) {
        if (stage + 1 < iteration_.stages.size()) {
            const StageCost& s = iteration_.stages[stage + 1];
            ctx.send(ctx.self(), s.duration + s.transfer, StageDoneMsg{stage + 1});
            return;
        }
        end_iteration(iteration_.energy(), iteration_.feedback, ctx);
    }

    /// The iteration's tokens exist now; the first stage has them `resume` later.
    void end_iteration(const EnergyPj& energy, SimTime resume, des::Context& ctx) {
        energy_ += energy;
        const double energy_pj = energy.total();
        IterationRow row;
        row.replica = replica_;
        row.requests = static_cast<std::uint32_t>(plan_.slices.size());
        row.t_start = started_.in_ps();
        row.t_end = ctx.now().in_ps();
        row.prefill_tokens = plan_.prefill_tokens;
        row.decode_tokens = plan_.decode_tokens;
        row.kv_blocks = plan_.kv_blocks;
        row.energy_j = energy_pj * 1e-12;
        iterations_.push_back(row);
        done_.clear();
        scheduler_.finish(plan_, ctx.now(), energy_pj, done_);
        for (const RequestState& s : done_) {
            RequestRow r;
            r.request = s.record.id;
            r.replica = static_cast<std::int32_t>(replica_);
            r.arrival = s.record.arrival.in_ps();
            r.scheduled = s.scheduled.in_ps();
            r.first_token = s.first_token.in_ps();
            r.completion = s.completion.in_ps();
            r.prompt_tokens = s.record.prompt_tokens;
            r.decode_tokens = s.record.decode_tokens;
            r.preemptions = s.preemptions;
            r.energy_j = s.energy_pj * 1e-12;
            requests_.push_back(r);
            bool notice = notify_router_;
            if (promised_ && promised_->request == r.request) {
                // The router may have dispatched on it: a wrong forecast is a wrong result.
                LTDES_ASSERT(s.completion == promised_->completion,
                             "replica {}: request {} completed at {} ps, forecast {} ps", replica_,
                             r.request, s.completion.in_ps(), promised_->completion.in_ps());
                if (promised_->silent) {
                    notice = false;  // the router counts its own forecast itself
                    ++notices_spared_;
                }
                promised_.reset();
            }
            if (notice) {
                ctx.send(LpId{0}, dispatch_, CompletionMsg{replica_});
            }
        }
        if (resume > SimTime::zero()) {
            resuming_ = true;
            resume_at_ = ctx.now() + resume;
            ctx.send(ctx.self(), resume, ResumeMsg{});
        } else {
            start_iteration(ctx);
        }
    }

    std::uint32_t replica_;
    ReplicaScheduler scheduler_;
    std::shared_ptr<IterationCostCache> cost_;
    std::unique_ptr<ReplicaChips> chips_;
    SimTime dispatch_;
    std::vector<trace::RequestRecord> own_;
    bool notify_router_;
    bool forecasts_;  // send ForecastMsg (the router's rank is waiting for others)

    /// The forecast completion of the request that reached this replica idle, until it
    /// completes or another request comes.
    struct Promise {
        std::uint64_t request = 0;
        SimTime completion;
        bool silent = false;  // the router's forecast: no notice when it holds
    };

    std::optional<Promise> promised_;
    std::uint64_t received_ = 0;  // requests received (ForecastMsg::received)
    std::uint64_t forecasts_sent_ = 0;
    std::uint64_t notices_spared_ = 0;
    bool busy_ = false;      // an iteration runs, or its tokens travel back (resuming_)
    bool resuming_ = false;  // between an iteration and the ResumeMsg at resume_at_
    bool warm_ = false;      // an iteration has started: resident weights are in SRAM
    SimTime resume_at_;
    SimTime started_;
    IterationPlan plan_;
    IterationCost iteration_;
    std::vector<SliceShape> shapes_;
    std::vector<RequestState> done_;
    std::vector<RequestRow> requests_;
    IterationLog iterations_;  // millions of rows, packed
    EnergyPj energy_;
};

/// Every rank's rows of type T, concatenated (rank order) on every rank, or only on rank 0
/// when `root_only` (the others get an empty vector and the count). `mine` is consumed; rows
/// travel in pieces of at most 2^16, so no rank holds more than one extra piece in flight.
template <class T>
std::vector<T> gather_rows(std::vector<T>&& mine,
                           des::Transport& transport,
                           bool root_only = false,
                           std::uint64_t* count = nullptr) {
    static_assert(std::is_trivially_copyable_v<T>);
    constexpr std::size_t kPiece = std::size_t{1} << 16;
    const auto counts = transport.all_gather(mine.size());
    const bool keep = !root_only || to_underlying(transport.rank()) == 0;
    std::uint64_t total = 0;
    for (const std::uint64_t c : counts) {
        total += c;
    }
    if (transport.size() == 1) {
        if (count != nullptr) {
            *count = total;
        }
        return std::move(mine);  // nothing to gather: no copy of millions of rows
    }
    std::vector<T> all;
    if (keep) {
        reserve_huge(all, static_cast<std::size_t>(total));
    }
    for (int root = 0; root < transport.size(); ++root) {
        const bool me = root == to_underlying(transport.rank());
        const auto n = static_cast<std::size_t>(counts[static_cast<std::size_t>(root)]);
        for (std::size_t at = 0; at < n; at += kPiece) {
            const std::size_t len = std::min(kPiece, n - at);
            std::string bytes;
            if (me) {
                bytes.resize(len * sizeof(T));
                std::memcpy(bytes.data(), mine.data() + at, bytes.size());
            }
            if (me && keep) {
                all.insert(all.end(), mine.begin() + static_cast<std::ptrdiff_t>(at),
                           mine.begin() + static_cast<std::ptrdiff_t>(at + len));
                transport.broadcast(bytes, RankId{root});
                continue;
            }
            const std::string got = transport.broadcast(bytes, RankId{root});
            LTDES_ASSERT(got.size() == len * sizeof(T), "gathered {} bytes for {} rows", got.size(),
                         len);
            if (keep) {
                const std::size_t old = all.size();
                all.resize(old + len);
                std::memcpy(static_cast<void*>(all.data() + old), got.data(), got.size());
            }
        }
        if (me) {
            mine = {};
        }
    }
    if (count != nullptr) {
        *count = total;
    }
    return all;
}

}  // namespace

std::uint64_t kv_capacity_blocks(const cluster::Plan& plan,
                                 std::uint32_t replica,
                                 std::uint32_t bits,
                                 double capacity_gib,
                                 std::uint32_t block_tokens) {
    const auto& m = plan.model();
    std::uint64_t best = UINT64_MAX;
    for (std::uint32_t s = 0; s < plan.pp(); ++s) {
        for (std::uint32_t t = 0; t < plan.tp(); ++t) {
            const std::uint32_t chip = plan.chip(cluster::ChipCoord{replica, s, t});
            const cluster::ChipMemory mem = cluster::chip_memory(plan, chip, bits, capacity_gib);
            if (mem.weight_bytes > mem.capacity_bytes) {
                throw ConfigError(fmt::format(
                    "chip {}: its weights ({} bytes) do not fit its DRAM ({} bytes), so no KV "
                    "cache is left for serving",
                    chip, mem.weight_bytes, mem.capacity_bytes));
            }
            const std::uint64_t per_block_bits = std::uint64_t{plan.layers(s).count} * 2 *
                                                 plan.kv_heads(t).count * m.d_head * block_tokens *
                                                 bits;
            if (per_block_bits == 0) {
                continue;
            }
            const std::uint64_t left_bits = (mem.capacity_bytes - mem.weight_bytes) * 8;
            best = std::min(best, left_bits / per_block_bits);
        }
    }
    return best;
}

std::string unfit_reason(const trace::RequestRecord& r,
                         const ServingSpec& spec,
                         std::uint64_t capacity_blocks) {
    const std::uint64_t context = r.prompt_tokens + r.decode_tokens - 1;
    const std::uint64_t blocks = (context + spec.kv_block_tokens - 1) / spec.kv_block_tokens;
    if (blocks > capacity_blocks) {
        return fmt::format(
            "request {} needs {} KV blocks ({} tokens of context) but a replica holds {}", r.id,
            blocks, context, capacity_blocks);
    }
    if (!spec.chunked_prefill && context > spec.max_batched_tokens) {
        return fmt::format(
            "request {} may need to prefill {} tokens in one iteration (prompt + generated "
            "after a preemption) but scheduler.max_batched_tokens is {} (use --chunked-prefill)",
            r.id, context, spec.max_batched_tokens);
    }
    return {};
}

ServingResult run_serving(const ServingInputs& in,
                          const std::vector<std::size_t>& rejected,
                          des::Transport& transport,
                          const des::Partitioner& partitioner) {
    LTDES_ASSERT(in.plan != nullptr, "run_serving without a plan");
    const cluster::Plan& plan = *in.plan;
    const cluster::Topology topology(in.cluster, plan.chips(), plan.tp());
    const SimTime dispatch = SimTime::from_ps(
        static_cast<std::int64_t>(std::llround(in.serving.dispatch_latency_ns * 1000.0)));
    LTDES_ASSERT(dispatch > SimTime::zero(), "dispatch latency must be > 0 ps");

    ServingResult result;
    std::vector<trace::RequestRecord> routed;
    std::vector<RequestRow> rejected_rows;
    std::size_t next_rejected = 0;
    for (std::size_t i = 0; i < in.requests.size(); ++i) {
        const auto& r = in.requests[i];
        if (next_rejected < rejected.size() && rejected[next_rejected] == i) {
            ++next_rejected;
            RequestRow row;
            row.request = r.id;
            row.status = RequestStatus::rejected;
            row.arrival = r.arrival.in_ps();
            row.prompt_tokens = r.prompt_tokens;
            row.decode_tokens = r.decode_tokens;
            rejected_rows.push_back(row);
        } else {
            routed.push_back(r);
        }
    }
    std::vector<std::uint64_t> capacity(plan.dp());
    for (std::uint32_t d = 0; d < plan.dp(); ++d) {
        capacity[d] = kv_capacity_blocks(plan, d, in.bits, in.cluster.dram.capacity_gib,
                                         in.serving.kv_block_tokens);
    }
    result.kv_capacity_blocks = *std::min_element(capacity.begin(), capacity.end());

    // Round robin needs no feedback: each replica injects its own requests (the i-th routed
    // request goes to replica i mod dp) and no event ever crosses LPs, so one window covers
    // the run. Least outstanding needs the router, and the dispatch latency is the lookahead.
    const bool round_robin = in.serving.router == RouterPolicy::round_robin;
    std::vector<std::vector<trace::RequestRecord>> own(plan.dp());
    if (round_robin) {
        for (std::size_t i = 0; i < routed.size(); ++i) {
            own[i % plan.dp()].push_back(routed[i]);
        }
        routed.clear();
    }
    des::SimulationSpec sim_spec;
    sim_spec.lookahead = round_robin ? SimTime::from_ps(std::int64_t{1} << 60) : dispatch;
    sim_spec.threads = in.threads;
    const std::uint32_t lp_count = 1 + plan.dp();
    if (in.threads == 1) {
        // One queue for the rank's few LPs: its local windows may then span many dispatch
        // latencies (about 10 ms of simulated time) instead of one.
        sim_spec.lps_per_shard = lp_count;
        sim_spec.single_shard_window_lookaheads =
            static_cast<std::uint32_t>(std::clamp<std::int64_t>(
                SimTime::from_ps(std::int64_t{10'000'000'000}).in_ps() / dispatch.in_ps(), 1,
                1 << 20));
    }
    // One cost cache per set of the rank's replicas with the same costs: they all warm the
    // same entries (the common case: every replica has the same chips and shape of links).
    std::mutex caches_mutex;
    CostCaches caches;
    if (transport.size() > 1) {
        sim_spec.round_events = kRoundEvents;
        sim_spec.overlap_rounds = true;
    }
    // Forecasts only help a router that waits for other ranks' completions. Snapshots do not
    // hold their state, so runs that take or resume from one go without.
    const bool forecasts = transport.size() > 1 && in.checkpoint.dir.empty() &&
                           in.restart.dir.empty() && in.serving.fidelity == Fidelity::iteration;
    std::vector<std::vector<std::uint64_t>> cost_keys;  // by replica
    for (std::uint32_t d = 0; d < plan.dp(); ++d) {
        cost_keys.push_back(
            replica_cost_key(plan, topology, d, in.arch_key, in.sram_bytes_of_chip));
    }
    std::optional<RouterForecasts> router_forecasts;
    if (forecasts) {
        // The router forecasts from the caches of its own rank's replicas (and what they adopt
        // from other ranks), found by each replica's cost key once the LPs exist.
        router_forecasts =
            RouterForecasts{in.serving, {}, [&](std::uint32_t r) {
                                const auto found = caches.find(cost_keys[r]);
                                return found == caches.end() ? nullptr : found->second.get();
                            }};
        for (const std::uint64_t blocks : capacity) {
            router_forecasts->kv.emplace_back(blocks, in.serving.kv_block_tokens);
        }
    }
    const RouterGraph graph(plan.dp(), dispatch);
    des::Simulation sim(
        sim_spec, transport, partitioner, lp_count,
        [&](LpId lp) -> std::unique_ptr<des::LogicalProcess> {
            const auto id = to_underlying(lp);
            if (id == 0) {
                return std::make_unique<RouterLp>(routed, plan.dp(), in.serving.router, dispatch,
                                                  router_forecasts);
            }
            const std::uint32_t d = id - 1;
            std::shared_ptr<IterationCostCache> cost;
            {
                const std::lock_guard lock(caches_mutex);
                auto& shared = caches[cost_keys[d]];
                if (!shared) {
                    shared = std::make_shared<IterationCostCache>(
                        IterationCostModel(plan, topology, d, in.bits, in.cluster.overlap,
                                           in.cost_of_chip, in.arch_key, in.sram_bytes_of_chip,
                                           in.cluster.collective),
                        IterationCostCache::kDefaultCapacity, in.threads != 1);
                }
                cost = shared;
            }
            std::unique_ptr<ReplicaChips> chips;
            if (in.serving.fidelity == Fidelity::op) {
                chips = std::make_unique<ReplicaChips>(plan, in.cluster, d, in.bits,
                                                       in.cost_of_chip, in.sram_bytes_of_chip);
            }
            return std::make_unique<ReplicaLp>(d, in.serving, capacity[d], std::move(cost),
                                               std::move(chips), dispatch, std::move(own[d]),
                                               forecasts);
        },
        round_robin ? nullptr : &graph);
    sim.apply_controls(in.progress, in.checkpoint, in.restart);
    LoneCostsAhead ahead;
    if (forecasts) {
        // So that the router can forecast every lone request, and the cost model's work is
        // split evenly (serving/lone_costs_ahead.hpp); timed as part of the simulation.
        sim.set_before_start([&] {
            ahead = cost_lone_requests_ahead(routed, in.serving, router_forecasts->kv, cost_keys,
                                             caches, transport);
        });
    }
    std::optional<CostSharing> sharing;
    if (transport.size() > 1) {
        // Each rank's caches would cost every composition again (serving/cost_sharing.hpp).
        sharing.emplace(transport, caches);
        sim.set_window_end([&sharing] { sharing->on_window(); });
    }
    result.stats = sim.run();
    if (sharing) {
        sharing->finish();
    }
    result.costs_ahead = transport.all_gather(ahead.computed);
    result.costs_ahead_seconds = ahead.seconds;
    std::uint64_t computed = 0;
    std::uint64_t cached = 0;
    std::uint64_t adopted = 0;
    for (const auto& [key, cache] : caches) {
        computed += cache->misses();
        cached += cache->hits();
        adopted += cache->adopted();
    }
    result.costs_computed = transport.all_gather(computed);
    result.costs_cached = transport.all_gather(cached);
    result.costs_adopted = transport.all_gather(adopted);

    struct ReplicaTotals {
        std::uint32_t replica;
        std::uint32_t reserved;
        EnergyPj energy;
        ServingResult::ReplicaBusy busy;
    };

    std::vector<ReplicaTotals> my_totals;
    std::vector<RequestRow> my_requests;
    std::vector<IterationRow> my_iterations;
    std::size_t iteration_rows = 0;  // reserved at once: millions of rows, no doubling
    sim.for_each_local_lp([&](LpId lp, des::LogicalProcess& p) {
        if (to_underlying(lp) != 0) {
            iteration_rows += static_cast<ReplicaLp&>(p).iterations().size();
        }
    });
    reserve_huge(my_iterations, iteration_rows);
    std::uint64_t peak = 0;
    std::uint64_t forecasts_sent = 0;
    std::uint64_t forecasts_used = 0;
    std::uint64_t notices_spared = 0;
    std::uint64_t forecasts_by_router = 0;
    sim.for_each_local_lp([&](LpId lp, des::LogicalProcess& p) {
        if (to_underlying(lp) == 0) {
            forecasts_used = static_cast<RouterLp&>(p).foreseen_total();
            forecasts_by_router = static_cast<RouterLp&>(p).forecasts_made();
            return;
        }
        auto& replica = static_cast<ReplicaLp&>(p);
        forecasts_sent += replica.forecasts_sent();
        notices_spared += replica.notices_spared();
        LTDES_ASSERT(replica.scheduler().running() == 0 && replica.scheduler().waiting() == 0,
                     "replica {}: {} running and {} waiting requests at the end of the run",
                     to_underlying(lp) - 1, replica.scheduler().running(),
                     replica.scheduler().waiting());
        peak = std::max(peak, replica.scheduler().kv().peak());
        ServingResult::ReplicaBusy busy;
        busy.first_start = INT64_MAX;
        replica.iterations().for_each([&](const IterationRow& r) {
            busy.first_start = std::min(busy.first_start, r.t_start);
            busy.last_end = std::max(busy.last_end, r.t_end);
            busy.busy += r.t_end - r.t_start;
            ++busy.iterations;
            my_iterations.push_back(r);
        });
        if (busy.iterations == 0) {
            busy.first_start = 0;
        }
        my_totals.push_back({to_underlying(lp) - 1, 0, replica.energy(), busy});
        my_requests.insert(my_requests.end(), replica.requests().begin(), replica.requests().end());
        replica.iterations().clear();  // bounded memory: one copy at a time
    });
    for (const std::uint64_t p : transport.all_gather(peak)) {
        result.kv_peak_blocks = std::max(result.kv_peak_blocks, p);
    }
    result.forecasts_sent = sum_over_ranks(transport, forecasts_sent);
    result.forecasts_used = sum_over_ranks(transport, forecasts_used);
    result.notices_spared = sum_over_ranks(transport, notices_spared);
    result.forecasts_by_router = sum_over_ranks(transport, forecasts_by_router);
    result.replica_energy.resize(plan.dp());
    result.replica_busy.resize(plan.dp());
    for (const ReplicaTotals& e : gather_rows(std::move(my_totals), transport)) {
        result.replica_energy[e.replica] = e.energy;
        result.replica_busy[e.replica] = e.busy;
    }
    result.requests = gather_rows(std::move(my_requests), transport);
    result.requests.insert(result.requests.end(), rejected_rows.begin(), rejected_rows.end());
    std::sort(result.requests.begin(), result.requests.end(),
              [](const RequestRow& a, const RequestRow& b) { return a.request < b.request; });
    const auto by_replica_then_start = [](const IterationRow& a, const IterationRow& b) {
        return std::tie(a.replica, a.t_start) < std::tie(b.replica, b.t_start);
    };
    // Usually in order already (each replica's rows by start, replicas in rank order).
    const auto sort_rows = [&](std::vector<IterationRow>& rows) {
        if (!std::is_sorted(rows.begin(), rows.end(), by_replica_then_start)) {
            std::sort(rows.begin(), rows.end(), by_replica_then_start);
        }
    };
    std::optional<RowBlock> block;
    if (!in.iterations_on_rank_0) {
        sort_rows(my_iterations);
        block = row_block(my_iterations, transport);
    }
    if (block) {
        result.iteration_first = block->first;
        result.iteration_count = block->total;
        result.iterations = std::move(my_iterations);
    } else {
        result.iterations =
            gather_rows(std::move(my_iterations), transport, true, &result.iteration_count);
        sort_rows(result.iterations);
    }
    LTDES_ASSERT(result.requests.size() == in.requests.size(),
                 "{} requests in, {} rows out (a request was lost or served twice)",
                 in.requests.size(), result.requests.size());
    return result;
}

}  // namespace ltdes::serving
