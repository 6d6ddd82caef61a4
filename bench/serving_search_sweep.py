#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""serving_search_sweep.py: checks the serving plan search against the DES (docs/plan-search.md).

For one request trace and chip budget it asks `lt-des run --dry-run` for every serving plan the
search scores (--search-csv), simulates a sample of them with the DES (the top --top plans and
evenly spaced ones down the ranking, --plans in all; `--tp --pp --dp --max-batch
--max-batched-tokens [--chunked-prefill]`), and prints one line:

  trace chips plans/simulated  chosen/best-simulated  Spearman rho  median |predicted - simulated|

Exit 1 when the chosen plan's simulated objective is more than --tolerance (default 5 %) worse
than the best simulated one or rho is below --min-rho (default 0.9).

  serving_search_sweep.py --trace traces/serving-small.trace --chips 8 --slo-ttft 0.5
"""
import argparse
import concurrent.futures
import csv
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from plan_search_sweep import run, spearman  # noqa: E402

# Objective → (CSV column of the search, how to read the run's stdout, sign: maximised = -1).
OBJECTIVES = {
    "goodput": ("goodput_rps", r"^goodput\s+([0-9.eE+-]+) requests/s", -1),
    "ttft": ("ttft_mean_s", r"^TTFT\s+mean ([0-9.eE+-]+) ms", 1e-3),
    "tpot": ("tpot_mean_s", r"^TPOT\s+mean ([0-9.eE+-]+) ms", 1e-3),
    "throughput": ("throughput_tps", r"^throughput\s+[0-9.eE+-]+ requests/s, ([0-9.eE+-]+) "
                   r"tokens/s", -1),
    "energy": ("energy_j", r"^energy\s+([0-9.eE+-]+) J", 1),
}


def figure(text, pattern):
    m = re.search(pattern, text, re.M)
    return float(m.group(1)) if m else float("nan")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--ltdes", default="build/release/src/cli/lt-des")
    ap.add_argument("--trace", required=True)
    ap.add_argument("--chips", type=int, required=True)
    ap.add_argument("--objective", default="goodput", choices=sorted(OBJECTIVES))
    ap.add_argument("--slo-ttft", type=float, default=0.0)
    ap.add_argument("--slo-tpot", type=float, default=0.0)
    ap.add_argument("--set", action="append", default=[], help="cluster key=value (repeatable)")
    ap.add_argument("--plans", type=int, default=30, help="plans to simulate")
    ap.add_argument("--top", type=int, default=5, help="of which the search's best ones")
    ap.add_argument("--tolerance", type=float, default=0.05)
    ap.add_argument("--min-rho", type=float, default=0.9)
    ap.add_argument("--csv", help="also write the simulated plans' figures here")
    ap.add_argument("--cache", help="JSON file of DES results to reuse and extend")
    ap.add_argument("--jobs", type=int, default=1, help="DES runs at a time")
    a = ap.parse_args()
    ltdes = os.path.abspath(a.ltdes)
    trace = os.path.abspath(a.trace)
    col, pattern, scale = OBJECTIVES[a.objective]
    slo = [f"--slo-ttft={a.slo_ttft}", f"--slo-tpot={a.slo_tpot}"]
    sets = [f"--set=chips={a.chips}"] + [f"--set={s}" for s in a.set]
    with tempfile.TemporaryDirectory(prefix="serving-sweep-") as tmp:
        plans_csv = os.path.join(tmp, "plans.csv")
        start = time.perf_counter()
        run([ltdes, "run", "--trace", trace, "--dry-run", "--objective", a.objective,
             "--search-csv", plans_csv] + slo + sets)
        search_s = time.perf_counter() - start
        with open(plans_csv) as f:
            ranked = list(csv.DictReader(f))
        picked = list(range(min(a.top, len(ranked))))
        rest = len(ranked) - len(picked)
        extra = max(0, min(a.plans - len(picked), rest))
        for i in range(extra):
            picked.append(len(picked) + (i * rest) // extra if extra else 0)
        picked = sorted(set(min(i, len(ranked) - 1) for i in picked))
        plans = [ranked[i] for i in picked]
        cache = {}
        if a.cache and os.path.exists(a.cache):
            with open(a.cache) as f:
                cache = json.load(f)

        def key(p):
            return (f"{os.path.basename(trace)}/{a.slo_ttft}/{a.slo_tpot}/{'/'.join(a.set)}/"
                    f"{p['tp']}x{p['pp']}x{p['dp']}/{p['max_batch']}/{p['max_batched_tokens']}/"
                    f"{p['chunked_prefill']}")

        def simulate(p):
            name = (f"r-{p['tp']}-{p['pp']}-{p['dp']}-{p['max_batch']}-"
                    f"{p['max_batched_tokens']}-{p['chunked_prefill']}")
            session = os.path.join(tmp, name)
            os.mkdir(session)
            cmd = [ltdes, "run", "--trace", trace, "--tp", p["tp"], "--pp", p["pp"], "--dp",
                   p["dp"], "--max-batch", p["max_batch"], "--max-batched-tokens",
                   p["max_batched_tokens"], "--out", os.path.join(session, "r.h5"),
                   "--force"] + slo + sets[1:]
            if p["chunked_prefill"] == "1":
                cmd.append("--chunked-prefill")
            out = run(cmd, session)
            return {o: figure(out, pat) * (abs(s) if o in ("ttft", "tpot") else 1.0)
                    for o, (_, pat, s) in OBJECTIVES.items()}

        todo = [p for p in plans if key(p) not in cache]
        with concurrent.futures.ThreadPoolExecutor(max_workers=a.jobs) as pool:
            for p, figs in zip(todo, pool.map(simulate, todo)):
                cache[key(p)] = figs
        if a.cache:
            with open(a.cache, "w") as f:
                json.dump(cache, f)
    sign = -1.0 if scale == -1 else 1.0
    predicted = [sign * float(p[col]) for p in plans]
    simulated = [sign * cache[key(p)][a.objective] for p in plans]
    rho = spearman(predicted, simulated)
    best = min(simulated)
    chosen = simulated[0]  # the CSV lists the search's choice first
    gap = (chosen - best) / abs(best) if best != 0 else 0.0
    errors = [abs(x - y) / abs(y) for x, y in zip(predicted, simulated) if y != 0]
    c = plans[0]
    print(f"{os.path.basename(trace):24s} chips {a.chips:4d} plans {len(ranked):5d} simulated "
          f"{len(plans):3d} chose tp{c['tp']} pp{c['pp']} dp{c['dp']} b{c['max_batch']} "
          f"t{c['max_batched_tokens']}{' chunked' if c['chunked_prefill'] == '1' else ''}: "
          f"{100 * gap:5.2f} % from the best simulated {a.objective}; Spearman rho {rho:.3f}; "
          f"{a.objective} error median {100 * statistics.median(errors) if errors else 0:.1f} %; "
          f"search {search_s:.2f} s (process)")
    if a.csv:
        with open(a.csv, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["tp", "pp", "dp", "max_batch", "max_batched_tokens", "chunked_prefill",
                        f"predicted_{a.objective}", f"simulated_{a.objective}"])
            for p, pr, si in zip(plans, predicted, simulated):
                w.writerow([p["tp"], p["pp"], p["dp"], p["max_batch"], p["max_batched_tokens"],
                            p["chunked_prefill"], sign * pr, sign * si])
    if gap > a.tolerance or rho < a.min_rho:
        sys.exit(f"serving_search_sweep.py: {a.trace} on {a.chips} chips: chosen plan "
                 f"{100 * gap:.2f} % from the best (tolerance {100 * a.tolerance:.0f} %), "
                 f"rho {rho:.3f} (minimum {a.min_rho})")


if __name__ == "__main__":
    main()
