// SPDX-License-Identifier: MIT
#include "ltdes/serving/serving_plan_search.hpp"

#include "ltdes/cluster/plan.hpp"
#include "ltdes/cluster/topology.hpp"
#include "ltdes/core/error.hpp"
#include "ltdes/serving/iteration_cost.hpp"
#include "ltdes/serving/serving_run.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
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

/// The iteration cost of replica 0 of one (tp, pp, dp) for the few batch shapes the model asks
/// for, memoised (the scheduler candidates of a shape share them).
class ReplicaCosts {
public:
    ReplicaCosts(const workload::ModelShape& model,
                 const ServingSearchInputs& in,
                 std::uint32_t tp,
                 std::uint32_t pp,
                 std::uint32_t dp) {
        cluster::ClusterSpec spec = in.spec;
        spec.plan = cluster::PlanSpec{false, tp, pp, dp};
        spec.chips = tp * pp * dp;
        spec.chip_arch.clear();
        plan_ = std::make_unique<cluster::Plan>(
            spec, model, workload::WorkloadSpec{dp, 1, 1, in.bits}, "plan search");
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
        std::vector<SliceShape> batch(n, SliceShape{tokens, cached, true});
        if (chunk > 0) {
            batch.push_back(SliceShape{chunk, 0, true});
        }
        const IterationCost c = model_->cost(batch, false);
        const Step s{(c.duration() + c.feedback).in_seconds(), c.energy_pj() * 1e-12,
                     c.duration().in_seconds()};
        memo_.emplace(key, s);
        return s;
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

/// The analytic model of docs/plan-search.md ("Request traces") for one candidate.
ServingPrediction predict(ReplicaCosts& costs,
                          std::uint64_t kv_blocks,
                          const TraceStats& ts,
                          std::span<const trace::RequestRecord> rq,
                          const ServingSearchInputs& in,
                          const ServingCandidate& c) {
    ServingPrediction p;
    p.kv_capacity_blocks = kv_blocks;
    const double lambda = ts.rate_rps / c.dp;                // each replica's share
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
    const auto decode = [&](std::uint64_t n) { return costs.step(n, 1, ctx, 0); };
    // Prefill chunk size with chunked prefill: the budget left by the decodes.
    const auto chunk_of = [&](std::uint64_t n) {
        return std::max<std::uint64_t>(c.max_batched_tokens > n ? c.max_batched_tokens - n : 1, 1);
    };
    // Time the replica spends on one mean request's prefill beyond its decode steps (`batched`:
    // prompts queued together share one prefill iteration).
    const auto prefill_work = [&](std::uint64_t n, bool batched) {
        if (c.chunked_prefill) {
            const std::uint64_t chunk = std::min<std::uint64_t>(
                chunk_of(n), static_cast<std::uint64_t>(std::llround(ts.mean_prompt)));
            const double extra = costs.step(n, 1, ctx, chunk).t - decode(n).t;
            return std::max(extra, 0.0) * ts.mean_prompt / static_cast<double>(chunk);
        }
        if (!batched) {
            return costs.prefill(ts.mean_prompt).t;
        }
        const std::uint64_t k = std::clamp<std::uint64_t>(
            static_cast<std::uint64_t>(c.max_batched_tokens / std::max(ts.mean_prompt, 1.0)), 1,
            c.max_batch);
        const auto len = static_cast<std::uint64_t>(std::llround(ts.mean_prompt));
        return costs.step(k, len, 0, 0).t / static_cast<double>(k);
    };
    // Little's law n = λ·gen·TPOT(n) with TPOT(n) = t_decode(n) / (1 − λ·prefill work), n ≤ cap;
    // overloaded (every slot busy, below) only when the prefills alone exceed the replica.
    std::uint64_t n = 0;
    double tau = 0.0;
    double tpot = 0.0;
    bool stable = false;
    for (const bool batched : {false, true}) {
        tau = prefill_work(1, batched);
        const double f = lambda * tau;
        if (!(f < 1.0)) {
            continue;
        }
        const auto h = [&](std::uint64_t m) {
            return static_cast<double>(m) - lambda * gen * decode(m).t / (1.0 - f);
        };
        // h(cap) < 0: the decodes alone outgrow the running places; the requests then queue
        // for them in the per-request pass below (their prefills still keep up).
        std::uint64_t lo = h(cap) < 0.0 ? cap : 1;
        std::uint64_t hi = cap;
        while (lo < hi) {  // smallest m with h(m) >= 0 (h grows with m)
            const std::uint64_t mid = (lo + hi) / 2;
            if (h(mid) >= 0.0) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        n = lo;
        tau = prefill_work(n, batched);
        tpot = decode(n).t / std::max(1.0 - lambda * tau, 1e-9);
        stable = lambda * tau < 1.0;
        if (stable) {
            break;
        }
    }
    const double period_ref = decode(std::max<std::uint64_t>(n, 1)).t;
    double wait = 0.0;  // mean residual of the iteration in progress at an arrival
    if (stable) {
        const double busy =
            std::min(lambda * (tau + gen * decode(n).t / static_cast<double>(n)), 1.0);
        p.utilization = busy;
        wait = busy * period_ref / 2.0 / std::max(1.0 - lambda * tau, 1e-9);
    } else {
        // Saturated: every slot busy; a slot serves prefill + gen decode steps, each stretched
        // by the other slots' prefills: r = τ + gen·t_d / (1 − cap·τ / r).
        n = cap;
        tau = prefill_work(n, true);
        const double d = gen * decode(n).t;
        const double nt = static_cast<double>(n) * tau;
        const double b = tau + nt + d;
        const double r = (b + std::sqrt(std::max(b * b - 4.0 * nt * tau, 0.0))) / 2.0;
        tpot = gen > 0 ? (r - tau) / gen : decode(n).t;
        p.utilization = lambda * r / static_cast<double>(n);
        wait = decode(n).t / 2.0;
    }
    p.concurrency = static_cast<std::uint32_t>(n);
    // Each request: FCFS on `slots` running places per replica (round robin), then its prefill
    // latency and gen decode steps at the model's TPOT.
    const double dispatch = in.spec.scheduler.dispatch_latency_ns * 1e-9;
    const std::uint64_t slots = stable ? std::max<std::uint64_t>(cap, 1) : n;
    using MinHeap = std::priority_queue<double, std::vector<double>, std::greater<>>;
    std::vector<MinHeap> free_at(c.dp);
    std::vector<double> ttft;
    std::vector<double> tpots;
    ttft.reserve(rq.size());
    double e2e = 0.0;
    double last = 0.0;
    const double first = rq.empty() ? 0.0 : rq.front().arrival.in_seconds();
    std::uint64_t good = 0;
    std::uint64_t tokens = 0;
    double energy = 0.0;
    // A request's decode steps take the iteration time of the requests running when it starts
    // (itself included), stretched by the others' prefills as in the model's TPOT.
    const double stretch = tpot / decode(std::max<std::uint64_t>(n, 1)).t;
    for (std::size_t i = 0; i < rq.size(); ++i) {
        const auto& r = rq[i];
        const double a = r.arrival.in_seconds();
        MinHeap& h = free_at[i % c.dp];
        double start = a + dispatch;
        while (!h.empty() && h.top() <= start) {
            h.pop();
        }
        if (h.size() >= slots) {
            start = std::max(start, h.top());
            h.pop();
        }
        const auto prompt = static_cast<double>(r.prompt_tokens);
        const double running = static_cast<double>(std::min<std::uint64_t>(h.size() + 1, slots));
        // Its own mid-life context, the others' at the trace's mean (attention is linear in it).
        const double own = prompt + static_cast<double>(r.decode_tokens) / 2.0;
        const Step dstep =
            costs.decodes(running, (own + (running - 1.0) * static_cast<double>(ctx)) / running);
        const double my_tpot = dstep.t * stretch;
        const double decode_e = dstep.e / running;
        const Step pre = costs.prefill(prompt);
        double first_latency = pre.tokens;
        if (c.chunked_prefill) {
            const std::uint64_t chunk = chunk_of(n);
            const double iters = std::ceil(prompt / static_cast<double>(chunk));
            const Step mix = costs.mixed(std::max<std::uint64_t>(n, 1), ctx,
                                         std::min(static_cast<double>(chunk), prompt));
            first_latency = (iters - 1.0) * mix.t + mix.tokens;
        } else if (!stable) {
            first_latency = tau * prompt / ts.mean_prompt *
                            std::max(1.0, c.max_batched_tokens / std::max(ts.mean_prompt, 1.0));
            first_latency = std::max(first_latency, pre.tokens);
        }
        const double t1 = start - a + wait + first_latency;
        const auto steps = static_cast<double>(r.decode_tokens - 1);
        const double done = start + wait + first_latency + steps * my_tpot;
        h.push(done);
        ttft.push_back(t1);
        if (r.decode_tokens > 1) {
            tpots.push_back(my_tpot);
        }
        e2e += done - a;
        last = std::max(last, done);
        const bool ok =
            (in.spec.scheduler.slo_ttft_s <= 0.0 || t1 <= in.spec.scheduler.slo_ttft_s) &&
            (in.spec.scheduler.slo_tpot_s <= 0.0 || r.decode_tokens <= 1 ||
             my_tpot <= in.spec.scheduler.slo_tpot_s);
        good += ok ? 1 : 0;
        tokens += r.decode_tokens;
        energy += pre.e + steps * decode_e;
    }
    p.ttft = latency_stats(std::move(ttft));
    p.tpot = latency_stats(std::move(tpots));
    p.e2e_mean_s = rq.empty() ? 0.0 : e2e / static_cast<double>(rq.size());
    p.duration_s = last - first;
    if (p.duration_s > 0) {
        p.throughput_rps = static_cast<double>(rq.size()) / p.duration_s;
        p.throughput_tps = static_cast<double>(tokens) / p.duration_s;
        p.goodput_rps = static_cast<double>(good) / p.duration_s;
    }
    p.energy_j = energy;
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

ServingSearchResult search_serving_plans(const workload::ModelShape& model,
                                         std::span<const trace::RequestRecord> requests,
                                         const ServingSearchInputs& in) {
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
    // Replica 0's costs depend on dp only through whether its ring is the whole cluster.
    std::map<std::tuple<std::uint32_t, std::uint32_t, std::uint32_t>, std::unique_ptr<ReplicaCosts>>
        costs;
    const auto score = [&](const ServingCandidate& c, ReplicaCosts& rc, std::uint64_t kv) {
        ScoredServingPlan s{c, predict(rc, kv, ts, requests, in, c), 0.0};
        s.objective = serving_objective_value(s.prediction, in.objective);
        r.ranked.push_back(s);
    };

    struct Unfit {
        ServingCandidate plan;
        ReplicaCosts* costs;
        std::uint64_t kv;
    };

    std::vector<Unfit> unfit;  // plans some request can never fit
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
                auto& slot = costs[{tp, pp, std::min(dp, 2U)}];
                if (!slot) {
                    slot = std::make_unique<ReplicaCosts>(model, in, tp, pp, std::min(dp, 2U));
                }
                std::uint64_t kv = 0;
                try {
                    kv = kv_capacity(slot->plan(), in);
                } catch (const ConfigError& e) {
                    exclude(ServingExclusion::memory,
                            fmt::format("tp {} x pp {}: {}", tp, pp, e.what()), limits);
                    continue;
                }
                const bool kv_short = longest_blocks > kv;
                if (kv_short) {
                    exclude(ServingExclusion::memory,
                            fmt::format("tp {} x pp {}: the longest request ({} tokens) needs {} "
                                        "KV blocks, a replica holds {}",
                                        tp, pp, ts.max_context, longest_blocks, kv),
                            limits);
                }
                for (const bool ch : chunked) {
                    for (const std::uint32_t t : budgets) {
                        for (const std::uint32_t b : batches) {
                            const ServingCandidate c{tp, pp, dp, b, t, ch};
                            if (kv_short) {
                                unfit.push_back({c, slot.get(), kv});
                                continue;
                            }
                            if (!ch && ts.max_context > t) {
                                exclude(ServingExclusion::token_budget,
                                        fmt::format("{}: the longest request may prefill {} "
                                                    "tokens at once",
                                                    candidate_text(c), ts.max_context),
                                        1);
                                unfit.push_back({c, slot.get(), kv});
                                continue;
                            }
                            score(c, *slot, kv);
                        }
                    }
                }
            }
        }
    }
    if (r.ranked.empty()) {
        // No plan holds every request: rank those that hold the weights; the run then rejects
        // (--skip-unfit) or names the requests that can never fit, as with an explicit plan.
        r.holds_every_request = false;
        for (const Unfit& u : unfit) {
            score(u.plan, *u.costs, u.kv);
        }
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
