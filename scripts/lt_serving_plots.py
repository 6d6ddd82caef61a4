# SPDX-License-Identifier: MIT
"""Serving plots of lt_report.py: one result of a request trace, and a load sweep.

A result file (/requests present, docs/output.md) gives
  latency_cdf.png      CDFs of TTFT, TPOT and end-to-end latency over completed requests;
  queue_throughput.png requests waiting (arrived, not yet admitted) and running (admitted, not
                       completed) over time, and completions per second in --bins bins;
  serving_timeline.csv the numbers of queue_throughput.png: one row per bin with
                       t_start_s, t_end_s, waiting_max, running_max, completed, throughput_rps.
An lt_collect.py table of serving runs gives load_sweep.png (p99 TTFT and energy per generated
token against offered load, one line per series) and load_sweep.csv with the knee of each
series: the lowest offered load whose p99 TTFT exceeds KNEE_FACTOR times the series' p99 TTFT
at its lowest load. A run's series is its file name after the 4-digit row prefix of
jobs/slurm/sweep.sbatch and before '@' (jobs/sweeps/serving-load.csv names rows SERIES@RATE).
"""
import csv
import math
import os

KNEE_FACTOR = 2.0
PS = 1e-12


def is_serving(f):
    return "requests" in f


def _requests(f, np):
    r = f["requests"]
    cols = {k: np.asarray(r[k][()]) for k in
            ("arrival", "scheduled", "first_token", "completion", "decode_tokens")}
    cols["done"] = cols["completion"] >= 0
    return cols


def latencies(f, np):
    """(ttft, tpot, e2e) in seconds over completed requests; TPOT needs two generated tokens."""
    q = _requests(f, np)
    d = q["done"]
    ttft = (q["first_token"][d] - q["arrival"][d]) * PS
    e2e = (q["completion"][d] - q["arrival"][d]) * PS
    many = d & (q["decode_tokens"] > 1)
    tpot = (q["completion"][many] - q["first_token"][many]) * PS / (q["decode_tokens"][many] - 1)
    return ttft, tpot, e2e


def _count_at(ins, outs, t, np):
    """Requests with in <= t < out at each t; `ins` and `outs` sorted (never left: int64 max)."""
    return np.searchsorted(ins, t, side="right") - np.searchsorted(outs, t, side="right")


def timeline(f, np, bins):
    """Rows of serving_timeline.csv over the requests that were admitted (rejected ones never
    queue). The maxima are taken over every arrival, admission and completion instant inside a
    bin (the step functions only change there) and its start; the last bin includes its end."""
    q = _requests(f, np)
    admitted = q["scheduled"] >= 0
    if not admitted.any():
        return []
    arrival, scheduled = q["arrival"][admitted], q["scheduled"][admitted]
    completion = q["completion"][admitted]
    never = np.iinfo(np.int64).max
    sched = scheduled
    comp = np.where(completion >= 0, completion, never)
    t0 = int(arrival.min())
    t1 = int(max(comp[comp < never].max(initial=t0), arrival.max()))
    edges = np.linspace(t0, t1, bins + 1)
    instants = np.unique(np.concatenate([arrival, sched, comp[comp < never]]))
    # Sorted once: each bin only counts by binary search.
    arrivals_sorted, sched_sorted, comp_sorted = np.sort(arrival), np.sort(sched), np.sort(comp)
    rows = []
    for i in range(bins):
        lo, hi = edges[i], edges[i + 1]
        last = i == bins - 1
        inside = instants[(instants >= lo) & ((instants <= hi) if last else (instants < hi))]
        probes = np.concatenate([[lo], inside]).astype(np.int64)
        waiting = _count_at(arrivals_sorted, sched_sorted, probes, np)
        running = _count_at(sched_sorted, comp_sorted, probes, np)
        done = int(((comp >= lo) & ((comp <= hi) if last else (comp < hi)) & (comp < never)).sum())
        width = (hi - lo) * PS
        rows.append({"t_start_s": lo * PS, "t_end_s": hi * PS, "waiting_max": int(waiting.max()),
                     "running_max": int(running.max()), "completed": done,
                     "throughput_rps": done / width if width > 0 else float("nan")})
    return rows


def plot_result(f, plt, np, out, bins=50):
    """Writes the serving plots of one result file; returns the summary lines to add."""
    ttft, tpot, e2e = latencies(f, np)
    fig, axes = plt.subplots(1, 3, figsize=(13, 4))
    for ax, values, name in zip(axes, (ttft, tpot, e2e), ("TTFT", "TPOT", "end-to-end")):
        v = np.sort(values) * 1e3
        if v.size:
            ax.step(v, np.arange(1, v.size + 1) / v.size, where="post")
        ax.set_xlabel(f"{name} (ms)")
        ax.set_ylabel("fraction of requests")
        ax.set_title(f"{name}: {v.size} requests")
        ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(os.path.join(out, "latency_cdf.png"), dpi=110)
    plt.close(fig)

    rows = timeline(f, np, bins)
    fields = ["t_start_s", "t_end_s", "waiting_max", "running_max", "completed", "throughput_rps"]
    with open(os.path.join(out, "serving_timeline.csv"), "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=fields, lineterminator="\n")
        w.writeheader()
        w.writerows({k: repr(v) if isinstance(v, float) else v for k, v in r.items()}
                    for r in rows)
    mid = [(r["t_start_s"] + r["t_end_s"]) / 2 for r in rows]
    fig, (a1, a2) = plt.subplots(2, 1, figsize=(10, 6), sharex=True)
    a1.plot(mid, [r["waiting_max"] for r in rows], label="waiting")
    a1.plot(mid, [r["running_max"] for r in rows], label="running")
    a1.set_ylabel("requests (max in bin)")
    a1.legend()
    a2.plot(mid, [r["throughput_rps"] for r in rows])
    a2.set_ylabel("completions / s")
    a2.set_xlabel("simulated time (s)")
    fig.tight_layout()
    fig.savefig(os.path.join(out, "queue_throughput.png"), dpi=110)
    plt.close(fig)

    s = f["summary"].attrs
    lines = [f"requests: {int(s['requests_completed'])} completed, "
             f"{int(s['requests_rejected'])} rejected, {int(s['preemptions'])} preemptions"]
    for name in ("ttft", "tpot", "e2e"):
        lines.append(f"{name}: mean {float(s[name + '_mean_s']) * 1e3:.6g} ms, p50 "
                     f"{float(s[name + '_p50_s']) * 1e3:.6g}, p90 "
                     f"{float(s[name + '_p90_s']) * 1e3:.6g}, p99 "
                     f"{float(s[name + '_p99_s']) * 1e3:.6g} ms")
    lines.append(f"throughput: {float(s['throughput_rps']):.6g} requests/s, "
                 f"{float(s['throughput_tps']):.6g} tokens/s; goodput "
                 f"{float(s['goodput_rps']):.6g} requests/s")
    if rows:
        lines.append(f"queue: at most {max(r['waiting_max'] for r in rows)} waiting, "
                     f"{max(r['running_max'] for r in rows)} running")
    return lines


def series_of(path):
    stem = os.path.splitext(os.path.basename(path))[0]
    head, _, rest = stem.partition("-")
    if head.isdigit() and rest:
        stem = rest
    return stem.split("@")[0]


def sweep_points(rows):
    """{series: [(offered_rps, ttft_p99_s, energy_per_generated_token_J), ...]} sorted by load,
    over complete serving runs."""
    series = {}
    for r in rows:
        try:
            x = float(r["offered_load_rps"])
            y = float(r["ttft_p99_s"])
            e = float(r.get("energy_per_generated_token_J", "nan") or "nan")
        except (KeyError, ValueError):
            continue
        if r.get("status") == "complete" and math.isfinite(x) and math.isfinite(y):
            series.setdefault(series_of(r["file"]), []).append((x, y, e))
    return {k: sorted(v) for k, v in sorted(series.items())}


def knee(points):
    """Lowest offered load whose p99 TTFT exceeds KNEE_FACTOR x the lowest load's; None."""
    base = points[0][1]
    for x, y, _ in points[1:]:
        if y > KNEE_FACTOR * base:
            return x
    return None


def plot_sweep(rows, plt, out):
    """load_sweep.png and load_sweep.csv; returns the number of points plotted."""
    series = sweep_points(rows)
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(12, 4.5))
    with open(os.path.join(out, "load_sweep.csv"), "w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["series", "offered_load_rps", "ttft_p99_s", "energy_per_generated_token_J",
                    "knee_rps"])
        for name, pts in series.items():
            k = knee(pts)
            for x, y, e in pts:
                w.writerow([name, repr(x), repr(y), repr(e), "" if k is None else repr(k)])
            a1.plot([p[0] for p in pts], [p[1] * 1e3 for p in pts], marker="o", label=name)
            a2.plot([p[0] for p in pts], [p[2] * 1e3 for p in pts], marker="o", label=name)
            if k is not None:
                a1.axvline(k, linestyle=":", alpha=0.5)
    a1.set_xlabel("offered load (requests/s)")
    a1.set_ylabel("p99 TTFT (ms)")
    a1.set_yscale("log")
    for a in (a1, a2):
        a.set_xscale("log")
    a2.set_xlabel("offered load (requests/s)")
    a2.set_ylabel("energy per generated token (mJ)")
    for a in (a1, a2):
        a.grid(alpha=0.3)
        a.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(os.path.join(out, "load_sweep.png"), dpi=120)
    plt.close(fig)
    return sum(len(v) for v in series.values())
