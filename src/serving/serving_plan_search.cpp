// SPDX-License-Identifier: MIT
#include "ltdes/serving/serving_plan_search.hpp"

#include "ltdes/cluster/plan.hpp"
#include "ltdes/cluster/topology.hpp"
#include "ltdes/core/error.hpp"
#include "ltdes/core/interrupted.hpp"
#include "ltdes/des/parallel_indices.hpp"
#include "ltdes/des/raise_everywhere.hpp"
#include "ltdes/des/state_bytes.hpp"
#include "ltdes/des/stop_request.hpp"
#include "ltdes/serving/iteration_cost.hpp"
#include "ltdes/serving/replica_picker.hpp"
#include "ltdes/serving/serving_run.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <exception>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <queue>
#include <tuple>
#include <utility>

namespace ltdes::serving {

namespace {

/// What the model needs of the trace, read once.
struct TraceStats {
    double rate_rps = 0.0;  ///< offered load of the whole cluster
    double mean_prompt = 1.0;
    double mean_decode = 1.0;
    std::uint64_t max_prompt = 1;
    std::uint64_t max_context = 1;  ///< largest prompt + decode − 1
};

TraceStats trace_stats(std::span<const trace::RequestRecord> rq) {
    TraceStats s;
    if (rq.empty()) {
        return s;
    }
    double p = 0.0;
    double g = 0.0;
    for (const auto& r : rq) {
        p += static_cast<double>(r.prompt_tokens);
        g += static_cast<double>(r.decode_tokens);
        s.max_prompt = std::max(s.max_prompt, r.prompt_tokens);
        s.max_context = std::max(s.max_context, r.prompt_tokens + r.decode_tokens - 1);
    }
    const auto n = static_cast<double>(rq.size());
    s.mean_prompt = p / n;
    s.mean_decode = g / n;
    const double span = (rq.back().arrival - rq.front().arrival).in_seconds();
    // n arrivals over a span are n − 1 gaps; all at once is an unbounded rate.
    s.rate_rps = span > 0 ? (n - 1.0) / span : std::numeric_limits<double>::infinity();
    return s;
}

/// One iteration: its period (start to the next start: the tokens exist, then go back to the
/// first stage), the time to its tokens, and its energy; s and J.
struct Step {
    double t = 0.0;
    double e = 0.0;
    double tokens = 0.0;
};

/// The cluster of a (tp, pp, dp) plan on exactly its chips.
cluster::ClusterSpec plan_spec(const ServingSearchInputs& in,
                               std::uint32_t tp,
                               std::uint32_t pp,
                               std::uint32_t dp) {
    cluster::ClusterSpec spec = in.spec;
    spec.plan = cluster::PlanSpec{false, tp, pp, dp};
    spec.chips = tp * pp * dp;
    spec.chip_arch.clear();
    return spec;
}

std::unique_ptr<cluster::Plan> make_plan(const workload::ModelShape& model,
                                         const ServingSearchInputs& in,
                                         std::uint32_t tp,
                                         std::uint32_t pp,
                                         std::uint32_t dp) {
    return std::make_unique<cluster::Plan>(
        plan_spec(in, tp, pp, dp), model, workload::WorkloadSpec{dp, 1, 1, in.bits}, "plan search");
}

/// The iteration cost of replica 0 of one (tp, pp, dp) for the few batch shapes the model asks
/// for, memoised (the scheduler candidates of a shape share them).
class ReplicaCosts {
public:
    ReplicaCosts(const workload::ModelShape& model,
                 const ServingSearchInputs& in,
                 std::uint32_t tp,
                 std::uint32_t pp,
                 std::uint32_t dp) {
        const cluster::ClusterSpec spec = plan_spec(in, tp, pp, dp);
        plan_ = make_plan(model, in, tp, pp, dp);
        topology_ = std::make_unique<cluster::Topology>(spec, spec.chips);
        const cluster::OpCostFn cost = in.cost;
        const std::uint64_t sram = in.sram_bytes;
        model_ = std::make_unique<IterationCostModel>(
            *plan_, *topology_, 0, in.bits, spec.overlap, [cost](std::uint32_t) { return cost; },
            [](std::uint32_t) { return 0U; }, [sram](std::uint32_t) { return sram; });
    }

    const cluster::Plan& plan() const { return *plan_; }

    /// `n` requests each feeding `tokens` with `cached` tokens of context, all emitting, plus
    /// optionally one prefill chunk of `chunk` tokens (emitting when it is a whole prompt).
    Step step(std::uint64_t n, std::uint64_t tokens, std::uint64_t cached, std::uint64_t chunk) {
        const auto key = std::make_tuple(n, tokens, cached, chunk);
        if (const auto it = memo_.find(key); it != memo_.end()) {
            return it->second;
        }
        Step s = cost(n, tokens, cached, chunk, false);
        if (tokens == 1 && n > 1) {
            // Running requests hardly ever share a context length, and the iteration prices
            // each distinct (tokens, context) group's attention on its own: priced with up to
            // kGroups contexts one apart, each request beyond them adding what the last did.
            const std::uint64_t g = std::min<std::uint64_t>(n, kGroups);
            const Step same = cost(g, 1, cached, 0, false);
            const Step apart = cost(g, 1, cached, 0, true);
            const double k = static_cast<double>(n - 1) / static_cast<double>(g - 1);
            s.t += k * (apart.t - same.t);
            s.e += k * (apart.e - same.e);
            s.tokens += k * (apart.tokens - same.tokens);
        }
        memo_.emplace(key, s);
        return s;
    }

    /// Distinct decode contexts priced exactly (more are extrapolated).
    static constexpr std::uint64_t kGroups = 8;

    /// The iteration cost of `n` requests feeding `tokens` with `cached` context (`apart`:
    /// contexts one apart from `cached` on) and an optional prefill chunk.
    Step cost(std::uint64_t n,
              std::uint64_t tokens,
              std::uint64_t cached,
              std::uint64_t chunk,
              bool apart) const {
        std::vector<SliceShape> batch;
        batch.reserve(n + 1);
        for (std::uint64_t j = 0; j < n; ++j) {
            batch.push_back(SliceShape{tokens, cached + (apart ? j : 0), true});
        }
        if (chunk > 0) {
            batch.push_back(SliceShape{chunk, 0, true});
        }
        const IterationCost c = model_->cost(batch, false);
        return Step{(c.duration() + c.feedback).in_seconds(), c.energy_pj() * 1e-12,
                    c.duration().in_seconds()};
    }

    /// A lone prefill of `tokens`, interpolated between powers of two (linear in between).
    Step prefill(double tokens) {
        return interpolated(tokens, [&](std::uint64_t x) { return step(1, x, 0, 0); });
    }

    /// `n` decodes of `cached` context, interpolated in both between powers of two.
    Step decodes(double n, double cached) {
        return interpolated(n, [&](std::uint64_t x) {
            return interpolated(cached, [&](std::uint64_t c) { return step(x, 1, c, 0); });
        });
    }

    /// `n` decodes of `cached` context with a prefill chunk of `chunk` tokens, interpolated
    /// in the chunk between powers of two.
    Step mixed(std::uint64_t n, std::uint64_t cached, double chunk) {
        return interpolated(chunk, [&](std::uint64_t x) { return step(n, 1, cached, x); });
    }

private:
    template <class F>
    static Step interpolated(double tokens, F at) {
        const double x = std::max(tokens, 1.0);
        const std::uint64_t lo = std::uint64_t{1}
                                 << static_cast<unsigned>(std::floor(std::log2(x)));
        const std::uint64_t hi = lo * 2;
        const Step a = at(lo);
        if (static_cast<double>(lo) == x) {
            return a;
        }
        const Step b = at(hi);
        const double f = (x - static_cast<double>(lo)) / static_cast<double>(hi - lo);
        return Step{a.t + f * (b.t - a.t), a.e + f * (b.e - a.e),
                    a.tokens + f * (b.tokens - a.tokens)};
    }

private:
    std::unique_ptr<cluster::Plan> plan_;
    std::unique_ptr<cluster::Topology> topology_;
    std::unique_ptr<IterationCostModel> model_;
    std::map<std::tuple<std::uint64_t, std::uint64_t, std::uint64_t, std::uint64_t>, Step> memo_;
};

std::uint64_t kv_capacity(const cluster::Plan& plan, const ServingSearchInputs& in) {
    return kv_capacity_blocks(plan, 0, in.bits, in.spec.dram.capacity_gib,
                              in.spec.scheduler.kv_block_tokens);
}

/// A replica's prefill work in the order it ran (non-overlapping, from one replay pass): each
/// request's interval, with prefix sums so that the decode time left between them is found
/// by binary search.
struct PrefillIntervals {
    std::vector<std::size_t> request;   ///< request index (ascending)
    std::vector<double> start, end;     ///< s
    std::vector<double> busy_before;    ///< sum of the lengths of the earlier intervals, size + 1
    std::vector<double> free_at_start;  ///< start − busy_before: the decode time up to it

    void clear() {
        request.clear();
        start.clear();
        end.clear();
        busy_before.assign(1, 0.0);
        free_at_start.clear();
    }

    void push(std::size_t i, double s, double e) {
        request.push_back(i);
        start.push_back(s);
        end.push_back(e);
        free_at_start.push_back(s - busy_before.back());
        busy_before.push_back(busy_before.back() + (e - s));
    }

    /// When a request (index i) that starts decoding at `from` has had `work` seconds of decode
    /// iterations: the prefills of later requests (i's own and earlier ones are behind it)
    /// stall its decode steps while they run.
    double decode_end(std::size_t i, double from, double work) const {
        const auto first_later = static_cast<std::size_t>(
            std::upper_bound(request.begin(), request.end(), i) - request.begin());
        const auto ends_after =
            static_cast<std::size_t>(std::upper_bound(end.begin(), end.end(), from) - end.begin());
        const std::size_t k = std::max(first_later, ends_after);
        if (k >= start.size()) {
            return from + work;
        }
        const double clip = std::max(0.0, from - start[k]);  // the part of k before `from`
        const double target = work + from - busy_before[k] + clip;
        const auto m = static_cast<std::size_t>(
            std::partition_point(free_at_start.begin() + static_cast<std::ptrdiff_t>(k),
                                 free_at_start.end(), [&](double a) { return a < target; }) -
            free_at_start.begin());
        return from + work + busy_before[m] - busy_before[k] - clip;
    }
};

/// The analytic model of docs/plan-search.md ("Request traces") for one candidate: the trace's
/// requests replayed on queues of work, no DES. Per replica, prefills run first come first
/// served before decode iterations (a queue of prefill work, so TTFT grows while arrivals
/// outpace it), and a request's decode steps stall during the prefills that run while it
/// decodes. Three passes: each takes the stalls from the previous pass's prefill intervals.
ServingPrediction predict(ReplicaCosts& costs,
                          std::uint64_t kv_blocks,
                          const TraceStats& ts,
                          std::span<const trace::RequestRecord> rq,
                          const ServingSearchInputs& in,
                          const ServingCandidate& c) {
    ServingPrediction p;
    p.kv_capacity_blocks = kv_blocks;
    const double gen = std::max(ts.mean_decode - 1.0, 0.0);  // decode steps per request
    const auto ctx = static_cast<std::uint64_t>(std::llround(ts.mean_prompt + gen / 2.0));
    const std::uint64_t bt = in.spec.scheduler.kv_block_tokens;
    // Running requests the limits allow: batch, KV blocks of a request at its mean context, and
    // with chunked prefill one token per decode.
    const std::uint64_t per_request = std::max<std::uint64_t>((ctx + bt - 1) / bt, 1);
    std::uint64_t cap =
        std::min<std::uint64_t>(c.max_batch, std::max<std::uint64_t>(kv_blocks / per_request, 1));
    if (c.chunked_prefill) {
        cap = std::min<std::uint64_t>(cap, std::max<std::uint32_t>(c.max_batched_tokens - 1, 1));
    }
    // Decode iterations at the mean context by running count (the replay asks often).
    std::vector<Step> decode_at;
    const auto decode = [&](std::uint64_t n) {
        if (n >= decode_at.size()) {
            decode_at.resize(n + 1, Step{-1.0, 0.0, 0.0});
        }
        if (decode_at[n].t < 0.0) {
            decode_at[n] = costs.step(n, 1, ctx, 0);
        }
        return decode_at[n];
    };
    // Prefill chunk size with chunked prefill: the budget left by the decodes.
    const auto chunk_of = [&](std::uint64_t n) {
        return std::max<std::uint64_t>(c.max_batched_tokens > n ? c.max_batched_tokens - n : 1, 1);
    };
    // The time x prefill tokens add to an iteration of n decodes (n in powers of two).
    const auto chunk_time = [&](std::uint64_t n, double x) {
        const std::uint64_t n2 = std::uint64_t{1}
                                 << static_cast<unsigned>(std::floor(std::log2(std::max(n, 1UL))));
        return std::max(costs.mixed(n2, ctx, x).t - decode(n2).t, 0.0);
    };
    // Without chunking, prompts that queue share one prefill iteration (up to the token
    // budget): their cost per request against a lone prefill, at the mean prompt.
    double shared = 1.0;
    if (!c.chunked_prefill) {
        const std::uint64_t k = std::clamp<std::uint64_t>(
            static_cast<std::uint64_t>(c.max_batched_tokens / std::max(ts.mean_prompt, 1.0)), 1,
            c.max_batch);
        const auto len = static_cast<std::uint64_t>(std::llround(ts.mean_prompt));
        const double lone = costs.step(1, len, 0, 0).t;
        if (k > 1 && lone > 0) {
            shared = std::min(1.0, costs.step(k, len, 0, 0).t / static_cast<double>(k) / lone);
        }
    }
    const std::size_t n_rq = rq.size();
    std::vector<Step> lone_prefill(n_rq);
    for (std::size_t i = 0; i < n_rq; ++i) {
        lone_prefill[i] = costs.prefill(static_cast<double>(rq[i].prompt_tokens));
    }
    const double dispatch = in.spec.scheduler.dispatch_latency_ns * 1e-9;
    using MinHeap = std::priority_queue<double, std::vector<double>, std::greater<>>;
    std::vector<PrefillIntervals> previous(c.dp);
    std::vector<PrefillIntervals> current(c.dp);
    std::vector<double> ttft(n_rq);
    std::vector<double> tpot(n_rq);
    std::vector<double> done(n_rq);
    std::vector<double> energy(n_rq);
    std::vector<std::uint64_t> decode_n(n_rq, 0);
    std::vector<Step> decode_step(n_rq);
    std::vector<std::uint64_t> chunk_n(n_rq, 0);
    std::vector<double> chunk_tau(n_rq, 0.0);
    double busy = 0.0;
    double running_sum = 0.0;
    constexpr int kPasses = 8;
    constexpr double kSettled = 1e-4;  // s
    for (int pass = 0; pass < kPasses; ++pass) {
        for (auto& v : current) {
            v.clear();
        }
        std::vector<double> prefill_free(c.dp, -std::numeric_limits<double>::infinity());
        std::vector<double> admitted(c.dp, -std::numeric_limits<double>::infinity());
        std::vector<MinHeap> running(c.dp);  // completions of the admitted requests
        // Completion notices the router awaits, of every replica in one heap: a pick costs
        // O(log dp), not a look at each replica (plans on a thousand chips have that many).
        std::priority_queue<std::pair<double, std::uint32_t>,
                            std::vector<std::pair<double, std::uint32_t>>, std::greater<>>
            notices;
        ReplicaPicker picker(static_cast<std::uint32_t>(c.dp), in.spec.scheduler.router);
        busy = 0.0;
        running_sum = 0.0;
        double change = 0.0;  // largest move of a completion since the previous pass, s
        for (std::size_t i = 0; i < n_rq; ++i) {
            const auto& r = rq[i];
            const double arrival = r.arrival.in_seconds();
            while (!notices.empty() && notices.top().first <= arrival) {
                picker.complete(notices.top().second);
                notices.pop();
            }
            const std::uint32_t rep = picker.pick();  // the router's own rule, ties included
            // Admission, first come first served, when one of the `cap` places is free.
            double s = std::max(arrival + dispatch, admitted[rep]);
            MinHeap& run = running[rep];
            while (!run.empty() && run.top() <= s) {
                run.pop();
            }
            if (run.size() >= cap) {
                s = std::max(s, run.top());
                run.pop();
            }
            admitted[rep] = s;
            const std::uint64_t n = run.size() + 1;
            // Its prefill waits for the prefills queued before it, or for the decode iteration
            // in progress (half of one on average).
            const bool queued = prefill_free[rep] > s;
            const double wait = !queued && n > 1 ? decode(n).t / 2.0 : 0.0;
            const double p0 = std::max(s + wait, prefill_free[rep]);
            const auto prompt = static_cast<double>(r.prompt_tokens);
            const Step& pre = lone_prefill[i];
            double tau = 0.0;
            double first = 0.0;
            if (c.chunked_prefill) {
                // Priced as chunks of its own prompt (queued prompts share a chunk, but each
                // attends to its own tokens only).
                const double x = std::min(static_cast<double>(chunk_of(n)), prompt);
                if (chunk_n[i] != n) {  // the same running count gives the same chunks
                    chunk_n[i] = n;
                    chunk_tau[i] = chunk_time(n, x) / x * prompt;
                }
                tau = chunk_tau[i];
                const double iters = queued ? 1.0 : std::ceil(prompt / x);
                first = p0 + tau + iters * decode(n).t;
                prefill_free[rep] = first;
            } else {
                tau = pre.t * (queued ? shared : 1.0);
                first = p0 + tau - (pre.t - pre.tokens);
                prefill_free[rep] = p0 + tau;
            }
            current[rep].push(i, p0, p0 + tau);
            // Decode steps at the cost of the requests running beside it (its own mid-life
            // context, the others' at the trace's mean), stalled by later prefills.
            const double own = prompt + static_cast<double>(r.decode_tokens) / 2.0;
            const auto m = static_cast<double>(n);
            if (decode_n[i] != n) {  // the same running count gives the same step
                decode_n[i] = n;
                decode_step[i] = costs.decodes(m, (own + (m - 1.0) * static_cast<double>(ctx)) / m);
            }
            const Step& d = decode_step[i];
            const auto steps = static_cast<double>(r.decode_tokens > 0 ? r.decode_tokens - 1 : 0);
            double end =
                pass == 0 ? first + steps * d.t : previous[rep].decode_end(i, first, steps * d.t);
            if (pass > 1) {
                // Damped: where admission waits for places, long lives in one pass make sparse
                // prefills in the next and short lives again; the mean of the two converges.
                end = first + 0.5 * ((end - first) + (done[i] - ttft[i] - arrival));
            }
            change = std::max(change, std::abs(end - done[i]));
            done[i] = end;
            ttft[i] = first - arrival;
            tpot[i] = steps > 0 ? (end - first) / steps : -1.0;
            energy[i] = pre.e + steps * d.e / m;
            busy += tau + steps * d.t / m;
            running_sum += m;
            run.push(end);
            notices.emplace(end + dispatch, rep);
        }
        std::swap(previous, current);
        if (pass > 0 && change <= kSettled) {
            break;  // no completion moved by more than kSettled: close to the fixed point
        }
    }
    std::vector<double> tpots;
    std::uint64_t good = 0;
    std::uint64_t tokens = 0;
    double e2e = 0.0;
    double last = 0.0;
    double total_energy = 0.0;
    const auto& q = in.spec.scheduler;
    for (std::size_t i = 0; i < n_rq; ++i) {
        const double arrival = rq[i].arrival.in_seconds();
        if (tpot[i] >= 0.0) {
            tpots.push_back(tpot[i]);
        }
        const bool ok = (q.slo_ttft_s <= 0.0 || ttft[i] <= q.slo_ttft_s) &&
                        (q.slo_tpot_s <= 0.0 || tpot[i] < 0.0 || tpot[i] <= q.slo_tpot_s);
        good += ok ? 1 : 0;
        tokens += rq[i].decode_tokens;
        e2e += done[i] - arrival;
        last = std::max(last, done[i]);
        total_energy += energy[i];
    }
    const double first_arrival = rq.empty() ? 0.0 : rq.front().arrival.in_seconds();
    p.ttft = latency_stats(std::vector<double>(ttft.begin(), ttft.end()));
    p.tpot = latency_stats(std::move(tpots));
    p.e2e_mean_s = rq.empty() ? 0.0 : e2e / static_cast<double>(n_rq);
    p.duration_s = last - first_arrival;
    if (p.duration_s > 0) {
        p.throughput_rps = static_cast<double>(n_rq) / p.duration_s;
        p.throughput_tps = static_cast<double>(tokens) / p.duration_s;
        p.goodput_rps = static_cast<double>(good) / p.duration_s;
        p.utilization = busy / (p.duration_s * c.dp);
    }
    p.concurrency =
        rq.empty()
            ? 0
            : static_cast<std::uint32_t>(std::llround(running_sum / static_cast<double>(n_rq)));
    p.energy_j = total_energy;
    return p;
}

std::string candidate_text(const ServingCandidate& c) {
    return fmt::format("tp {} x pp {} x dp {}, max batch {}, {} tokens{}", c.tp, c.pp, c.dp,
                       c.max_batch, c.max_batched_tokens, c.chunked_prefill ? ", chunked" : "");
}

}  // namespace

double serving_objective_value(const ServingPrediction& p, cluster::Objective o) {
    using cluster::Objective;
    switch (o) {
        case Objective::makespan:
            return p.duration_s;
        case Objective::energy:
            return p.energy_j;
        case Objective::edp:
            return p.energy_j * p.duration_s;
        case Objective::ttft:
            return p.ttft.mean;
        case Objective::tpot:
            return p.tpot.mean;
        case Objective::throughput:
            return -p.throughput_tps;
        case Objective::goodput:
            return -p.goodput_rps;
    }
    return p.duration_s;
}

double serving_objective_display(const ServingPrediction& p, cluster::Objective o) {
    using cluster::Objective;
    switch (o) {
        case Objective::makespan:
        case Objective::ttft:
        case Objective::tpot:
            return serving_objective_value(p, o) * 1e3;
        case Objective::energy:
        case Objective::edp:
            return serving_objective_value(p, o);
        case Objective::throughput:
        case Objective::goodput:
            return -serving_objective_value(p, o);
    }
    return 0.0;
}

std::string_view serving_objective_unit(cluster::Objective o) {
    return o == cluster::Objective::goodput ? "req/s" : cluster::objective_unit(o);
}

ServingPrediction predict_serving(const workload::ModelShape& model,
                                  std::span<const trace::RequestRecord> requests,
                                  const ServingSearchInputs& in,
                                  const ServingCandidate& plan) {
    ReplicaCosts costs(model, in, plan.tp, plan.pp, plan.dp);
    return predict(costs, kv_capacity(costs.plan(), in), trace_stats(requests), requests, in, plan);
}

namespace {

/// The plans of one (tp, pp) whose replica 0 costs alike: dp 1, or dp 2 and more (its ring is
/// then not the whole cluster). They share the iteration costs, so one rank scores them all,
/// and the costs are dropped once they are scored.
struct CostClass {
    std::uint32_t tp = 1;
    std::uint32_t pp = 1;
    std::uint32_t dp = 1;                 ///< 1 or 2: the plan the costs are taken from
    std::uint64_t kv = 0;                 ///< KV blocks per replica
    std::string weights_error;            ///< why the weights do not fit a chip, if they do not
    std::vector<ServingCandidate> fit;    ///< hold every request: scored
    std::vector<ServingCandidate> unfit;  ///< some request never fits: scored if no plan fits

    const std::vector<ServingCandidate>& plans(bool of_unfit) const {
        return of_unfit ? unfit : fit;
    }
};

/// Which rank scores each class: the largest first, each to the rank with the least so far
/// (ties to the lowest rank), weighing a class by its plans plus the cost of its iteration
/// costs. The same on every rank, and any split gives the same ranking.
std::vector<int> assign_classes(const std::vector<CostClass>& classes, bool unfit, int ranks) {
    // A class's iteration costs, in predictions: a rough guess (deep pipelines cost more);
    // a poor weight only unbalances the ranks, never changes the result.
    constexpr std::uint64_t kCostsWeight = 64;
    std::vector<std::uint64_t> weight(classes.size(), 0);
    for (std::size_t i = 0; i < classes.size(); ++i) {
        const std::size_t plans = classes[i].plans(unfit).size();
        weight[i] = plans == 0 ? 0 : plans + kCostsWeight;
    }
    std::vector<std::size_t> order(classes.size());
    for (std::size_t i = 0; i < order.size(); ++i) {
        order[i] = i;
    }
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t x, std::size_t y) { return weight[x] > weight[y]; });
    std::vector<std::uint64_t> load(static_cast<std::size_t>(ranks), 0);
    std::vector<int> owner(classes.size(), 0);
    for (const std::size_t i : order) {
        const auto least = std::min_element(load.begin(), load.end()) - load.begin();
        owner[i] = static_cast<int>(least);
        load[static_cast<std::size_t>(least)] += weight[i];
    }
    return owner;
}

/// Scores the fit (or unfit) plans of the classes this rank owns and gathers every rank's
/// predictions, in the classes' order. Collective when `transport` is not null.
std::vector<ServingPrediction> score_classes(const workload::ModelShape& model,
                                             std::span<const trace::RequestRecord> requests,
                                             const ServingSearchInputs& in,
                                             const TraceStats& ts,
                                             const std::vector<CostClass>& classes,
                                             bool unfit,
                                             des::Transport* transport) {
    const int ranks = transport == nullptr ? 1 : transport->size();
    const int me = transport == nullptr ? 0 : to_underlying(transport->rank());
    const std::vector<int> owner = assign_classes(classes, unfit, ranks);
    std::vector<std::size_t> first(classes.size() + 1, 0);  // each class's first plan
    for (std::size_t i = 0; i < classes.size(); ++i) {
        first[i + 1] = first[i] + classes[i].plans(unfit).size();
    }
    std::vector<ServingPrediction> out(first.back());
    std::vector<std::size_t> own;  // the classes this rank scores
    for (std::size_t i = 0; i < classes.size(); ++i) {
        if (owner[i] == me && first[i + 1] > first[i]) {
            own.push_back(i);
        }
    }
    // Each class on its own costs: its plans' predictions are independent of the others'.
    const auto score_class = [&](std::size_t i) {
        const CostClass& k = classes[i];
        const std::vector<ServingCandidate>& plans = k.plans(unfit);
        ReplicaCosts costs(model, in, k.tp, k.pp, k.dp);
        for (std::size_t j = 0; j < plans.size(); ++j) {
            if (const int sig = des::stop_signal(); sig != 0) {
                throw Interrupted(sig, fmt::format("stopped by {} during the plan search; "
                                                   "nothing was simulated or written",
                                                   des::signal_name(sig)));
            }
            out[first[i] + j] = predict(costs, k.kv, ts, requests, in, plans[j]);
        }
    };
    std::exception_ptr failure;
    try {
        des::for_each_index(own.size(), in.threads, [&](std::size_t x) { score_class(own[x]); });
    } catch (...) {
        failure = std::current_exception();
    }
    if (transport == nullptr) {
        if (failure) {
            std::rethrow_exception(failure);
        }
        return out;
    }
    // A rank that failed (or was stopped) makes every rank throw, instead of the others
    // waiting for its share.
    des::agree_on_failure(*transport, failure);
    std::uint64_t scored = 0;
    for (const std::size_t i : own) {
        scored += first[i + 1] - first[i];
    }
    des::StateWriter mine;
    mine.put(scored);
    for (const std::size_t i : own) {
        for (std::size_t at = first[i]; at < first[i + 1]; ++at) {
            mine.put(static_cast<std::uint64_t>(at));
            mine.put(out[at]);
        }
    }
    des::read_rank_groups(transport->all_gather_bytes(mine.take()), "the plans each rank scored",
                          ranks, out.size(), [&](des::StateReader& all, int) {
                              const auto at = all.get<std::uint64_t>();
                              all.check(at < out.size(), "a scored plan out of range");
                              out[at] = all.get<ServingPrediction>();
                          });
    return out;
}

}  // namespace

ServingSearchResult search_serving_plans(const workload::ModelShape& model,
                                         std::span<const trace::RequestRecord> requests,
                                         const ServingSearchInputs& in,
                                         des::Transport* transport) {
    const auto start = std::chrono::steady_clock::now();
    const std::clock_t cpu_start = std::clock();
    ServingSearchResult r;
    r.objective = in.objective;
    r.chips = in.spec.chips;
    const TraceStats ts = trace_stats(requests);
    r.arrival_rate_rps = ts.rate_rps;
    const auto exclude = [&](ServingExclusion why, std::string example, std::uint64_t count) {
        const auto i = static_cast<std::size_t>(why);
        if (r.excluded[i] == 0) {
            r.example[i] = std::move(example);
        }
        r.excluded[i] += count;
    };
    const auto& q = in.spec.scheduler;
    std::vector<std::uint32_t> batches(kMaxBatchCandidates.begin(), kMaxBatchCandidates.end());
    std::vector<std::uint32_t> budgets(kMaxBatchedTokensCandidates.begin(),
                                       kMaxBatchedTokensCandidates.end());
    std::vector<bool> chunked = {false, true};
    if (in.fixed_max_batch) {
        batches = {q.max_batch};
    }
    if (in.fixed_max_batched_tokens) {
        budgets = {q.max_batched_tokens};
    }
    if (in.fixed_chunked_prefill) {
        chunked = {q.chunked_prefill};
    }
    const std::uint64_t limits = batches.size() * budgets.size() * chunked.size();
    const std::uint64_t bt = q.kv_block_tokens;
    const std::uint64_t longest_blocks = (ts.max_context + bt - 1) / bt;

    // Every plan in the order of the loops (the ranking's order among equals), by class; what
    // does not fit is counted here, on every rank alike.
    std::vector<CostClass> classes;
    const std::uint32_t chips = in.spec.chips;
    for (std::uint32_t tp = 1; tp <= std::min(chips, model.n_heads); ++tp) {
        const bool tp_divides = model.n_heads % tp == 0 && model.d_ff % tp == 0;
        for (std::uint32_t pp = 1; pp <= std::min(chips / tp, model.layers); ++pp) {
            const bool pp_divides = model.layers % pp == 0;
            const std::uint32_t dps = chips / tp / pp;
            if (!tp_divides || !pp_divides) {
                exclude(ServingExclusion::divisibility,
                        fmt::format("tp {} x pp {}: {}", tp, pp,
                                    tp_divides ? fmt::format("{} layers", model.layers)
                                               : fmt::format("{} heads, d_ff {}", model.n_heads,
                                                             model.d_ff)),
                        dps * limits);
                continue;
            }
            for (std::uint32_t dp = 1; dp <= dps; ++dp) {
                if (dp <= 2) {
                    classes.push_back(CostClass{tp, pp, dp, 0, {}, {}, {}});
                    try {
                        classes.back().kv = kv_capacity(*make_plan(model, in, tp, pp, dp), in);
                    } catch (const ConfigError& e) {
                        classes.back().weights_error =
                            fmt::format("tp {} x pp {}: {}", tp, pp, e.what());
                    }
                }
                CostClass& k = classes.back();
                if (!k.weights_error.empty()) {
                    exclude(ServingExclusion::memory, k.weights_error, limits);
                    continue;
                }
                const bool kv_short = longest_blocks > k.kv;
                if (kv_short) {
                    exclude(ServingExclusion::memory,
                            fmt::format("tp {} x pp {}: the longest request ({} tokens) needs {} "
                                        "KV blocks, a replica holds {}",
                                        tp, pp, ts.max_context, longest_blocks, k.kv),
                            limits);
                }
                for (const bool ch : chunked) {
                    for (const std::uint32_t t : budgets) {
                        for (const std::uint32_t b : batches) {
                            const ServingCandidate c{tp, pp, dp, b, t, ch};
                            if (kv_short) {
                                k.unfit.push_back(c);
                                continue;
                            }
                            if (!ch && ts.max_context > t) {
                                exclude(ServingExclusion::token_budget,
                                        fmt::format("{}: the longest request may prefill {} "
                                                    "tokens at once",
                                                    candidate_text(c), ts.max_context),
                                        1);
                                k.unfit.push_back(c);
                                continue;
                            }
                            k.fit.push_back(c);
                        }
                    }
                }
            }
        }
    }
    const auto rank_plans = [&](bool unfit) {
        const std::vector<ServingPrediction> scored =
            score_classes(model, requests, in, ts, classes, unfit, transport);
        std::size_t at = 0;
        for (const CostClass& k : classes) {
            for (const ServingCandidate& c : k.plans(unfit)) {
                ScoredServingPlan sp{c, scored[at++], 0.0};
                sp.objective = serving_objective_value(sp.prediction, in.objective);
                r.ranked.push_back(sp);
            }
        }
    };
    rank_plans(false);
    if (r.ranked.empty()) {
        // No plan holds every request: rank those that hold the weights; the run then rejects
        // (--skip-unfit) or names the requests that can never fit, as with an explicit plan.
        r.holds_every_request = false;
        rank_plans(true);
    }
    if (r.ranked.empty()) {
        throw ConfigError(fmt::format(
            "plan search: the weights of {} fit no plan on up to {} chips ({})", model.name, chips,
            r.example[static_cast<std::size_t>(ServingExclusion::memory)]));
    }
    const auto key = [](const ScoredServingPlan& s) {
        const ServingCandidate& c = s.plan;
        return std::make_tuple(s.objective, c.chips(), c.tp, c.pp, c.dp,
                               -static_cast<std::int64_t>(c.max_batch),
                               -static_cast<std::int64_t>(c.max_batched_tokens), c.chunked_prefill);
    };
    std::stable_sort(
        r.ranked.begin(), r.ranked.end(),
        [&](const ScoredServingPlan& a, const ScoredServingPlan& b) { return key(a) < key(b); });
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    r.cpu_seconds = static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC;
    return r;
}

std::string format_serving_search_choice(const ServingSearchResult& r) {
    const ScoredServingPlan& b = r.best();
    const std::uint32_t idle = r.chips - b.plan.chips();
    return fmt::format(
        "plan search ({}): {} on {} of {} chips{}; predicted {} {:.6g} {}, goodput {:.6g} req/s, "
        "TTFT mean {:.6f} ms, TPOT mean {:.6f} ms",
        cluster::objective_name(r.objective), candidate_text(b.plan), b.plan.chips(), r.chips,
        idle > 0 ? fmt::format(" ({} idle: no plan on more chips is predicted better)", idle)
                 : std::string(),
        cluster::objective_name(r.objective), serving_objective_display(b.prediction, r.objective),
        serving_objective_unit(r.objective), b.prediction.goodput_rps, b.prediction.ttft.mean * 1e3,
        b.prediction.tpot.mean * 1e3);
}

std::string format_serving_search_report(const ServingSearchResult& r, std::size_t top) {
    std::string out = fmt::format(
        "plan search: objective {}, {} feasible serving plan(s) on up to {} chips scored in "
        "{:.3f} s ({:.3f} s CPU; offered load {:.4g} requests/s)\n",
        cluster::objective_name(r.objective), r.ranked.size(), r.chips, r.seconds, r.cpu_seconds,
        r.arrival_rate_rps);
    out += fmt::format(
        "{:>4} {:>3} {:>3} {:>3} {:>5} {:>6} {:>7} {:>10} {:>10} {:>10} {:>10} "
        "{:>11} {:>10} {:>5}\n",
        "rank", "tp", "pp", "dp", "chips", "batch", "tokens", "chunked", "goodput", "ttft_ms",
        "ttft_p99", "tpot_ms", "energy_J", "util");
    for (std::size_t i = 0; i < std::min(top, r.ranked.size()); ++i) {
        const ScoredServingPlan& s = r.ranked[i];
        const ServingPrediction& p = s.prediction;
        out += fmt::format(
            "{:>4} {:>3} {:>3} {:>3} {:>5} {:>6} {:>7} {:>10} {:>10.4g} {:>10.4g} {:>10.4g} "
            "{:>11.4g} {:>10.4g} {:>5.2f}\n",
            i + 1, s.plan.tp, s.plan.pp, s.plan.dp, s.plan.chips(), s.plan.max_batch,
            s.plan.max_batched_tokens, s.plan.chunked_prefill ? "on" : "off", p.goodput_rps,
            p.ttft.mean * 1e3, p.ttft.p99 * 1e3, p.tpot.mean * 1e3, p.energy_j, p.utilization);
    }
    std::string why;
    for (std::size_t i = 0; i < kServingExclusionNames.size(); ++i) {
        if (r.excluded[i] > 0) {
            why += fmt::format("{}{} for {} (e.g. {})", why.empty() ? "" : "; ", r.excluded[i],
                               kServingExclusionNames[i], r.example[i]);
        }
    }
    out += fmt::format("excluded (plans with their scheduler limits): {}\n",
                       why.empty() ? std::string("none") : why);
    if (!r.holds_every_request) {
        out +=
            "warning: no plan holds every request; ranked are the plans that hold the "
            "weights, and the run rejects (--skip-unfit) or names the unfit requests\n";
    }
    return out + format_serving_search_choice(r) + "\n";
}

std::string format_serving_search_csv(const ServingSearchResult& r) {
    std::string out =
        "tp,pp,dp,max_batch,max_batched_tokens,chunked_prefill,chips,goodput_rps,ttft_mean_s,"
        "ttft_p99_s,tpot_mean_s,throughput_tps,duration_s,energy_j,utilization,objective\n";
    for (const ScoredServingPlan& s : r.ranked) {
        const ServingPrediction& p = s.prediction;
        const ServingCandidate& c = s.plan;
        out += fmt::format(
            "{},{},{},{},{},{},{},{:.9e},{:.9e},{:.9e},{:.9e},{:.9e},{:.9e},{:.9e},{:.6f},{:.9e}\n",
            c.tp, c.pp, c.dp, c.max_batch, c.max_batched_tokens, c.chunked_prefill ? 1 : 0,
            c.chips(), p.goodput_rps, p.ttft.mean, p.ttft.p99, p.tpot.mean, p.throughput_tps,
            p.duration_s, p.energy_j, p.utilization, s.objective);
    }
    return out;
}

}  // namespace ltdes::serving
