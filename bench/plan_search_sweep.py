#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""plan_search_sweep.py: checks the plan search against the DES (docs/plan-search.md).

For one model, chip budget and small static trace it asks `lt-des run --dry-run` for every plan
the search scores (--search-csv), simulates each of them with the DES (`--tp --pp --dp
--microbatches`), and prints one line:

  model chips plans  chosen/best-simulated  Spearman rho  median/max |predicted - simulated|

Exit 1 when the chosen plan is more than --tolerance (default 5 %) worse than the best simulated
plan or rho is below --min-rho (default 0.9). Run from anywhere; every file goes to a temporary
folder.

  plan_search_sweep.py --ltdes build/release/src/cli/lt-des --model gpt2 --chips 8
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

OBJECTIVES = ("makespan", "energy", "edp", "ttft", "tpot", "throughput")


def ranks(values):
    """Average ranks (1-based), ties sharing the mean of their positions."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    r = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            r[order[k]] = (i + j) / 2.0 + 1.0
        i = j + 1
    return r


def spearman(a, b):
    ra, rb = ranks(a), ranks(b)
    ma, mb = statistics.fmean(ra), statistics.fmean(rb)
    cov = sum((x - ma) * (y - mb) for x, y in zip(ra, rb))
    va = sum((x - ma) ** 2 for x in ra)
    vb = sum((y - mb) ** 2 for y in rb)
    return cov / (va * vb) ** 0.5 if va > 0 and vb > 0 else 1.0


def run(cmd, session=None):
    """Runs cmd; with `session` (a fresh folder) as a one-process MPI job without the runtime
    daemon (~1 s less start-up), its session files in that folder so parallel runs never meet."""
    env = os.environ
    if session:
        env = dict(os.environ, OMPI_MCA_ess_singleton_isolated="1",
                   OMPI_MCA_orte_tmpdir_base=session)
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if p.returncode != 0:
        sys.exit(f"plan_search_sweep.py: {' '.join(cmd)} failed ({p.returncode}):\n{p.stderr}")
    return p.stdout


def figure(text, name, unit):
    m = re.search(rf"^{name}\s+([0-9.eE+-]+) {unit}$", text, re.M)
    return float(m.group(1)) if m else float("nan")


def objective(o, makespan_s, ttft_s, tpot_s, energy_j, tokens):
    return {"makespan": makespan_s, "energy": energy_j, "edp": energy_j * makespan_s,
            "ttft": ttft_s, "tpot": tpot_s, "throughput": -tokens / makespan_s}[o]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--ltdes", default="build/release/src/cli/lt-des")
    ap.add_argument("--model", required=True)
    ap.add_argument("--chips", type=int, required=True)
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--prompt", type=int, default=32)
    ap.add_argument("--decode", type=int, default=4)
    ap.add_argument("--objective", default="makespan", choices=OBJECTIVES)
    ap.add_argument("--set", action="append", default=[], help="cluster key=value (repeatable)")
    ap.add_argument("--tolerance", type=float, default=0.05)
    ap.add_argument("--min-rho", type=float, default=0.9)
    ap.add_argument("--csv", help="also write every plan's predicted and simulated figures here")
    ap.add_argument("--cache", help="JSON file of DES results to reuse and extend: a plan's run "
                    "does not depend on the chip budget, so cases that share plans share runs")
    ap.add_argument("--jobs", type=int, default=1, help="DES runs at a time (each is mostly "
                    "MPI start-up)")
    a = ap.parse_args()
    ltdes = os.path.abspath(a.ltdes)
    sets = [f"--set={s}" for s in [f"chips={a.chips}"] + a.set]
    with tempfile.TemporaryDirectory(prefix="plan-sweep-") as tmp:
        trace = os.path.join(tmp, "sweep.trace")
        run([ltdes, "trace", "gen", "--model", a.model, "--batch", str(a.batch), "--prompt",
             str(a.prompt), "--decode", str(a.decode), "-o", trace])
        plans_csv = os.path.join(tmp, "plans.csv")
        start = time.perf_counter()
        run([ltdes, "run", "--trace", trace, "--dry-run", "--objective", a.objective,
             "--search-csv", plans_csv] + sets)
        search_s = time.perf_counter() - start
        with open(plans_csv) as f:
            plans = list(csv.DictReader(f))
        tokens = a.batch * (a.decode + 1)
        cache = {}
        if a.cache and os.path.exists(a.cache):
            with open(a.cache) as f:
                cache = json.load(f)

        def ep(p):  # the CSV has an `ep` column when some plan uses expert parallelism
            return p.get("ep") or "1"

        def key(p):
            return (f"{a.model}/b{a.batch}/p{a.prompt}/d{a.decode}/{'/'.join(a.set)}/"
                    f"{p['tp']}x{p['pp']}x{p['dp']}x{p['microbatches']}"
                    + (f"xep{ep(p)}" if ep(p) != "1" else ""))

        def simulate(p):
            name = f"r-{p['tp']}-{p['pp']}-{p['dp']}-{p['microbatches']}-{ep(p)}"
            session = os.path.join(tmp, name)
            os.mkdir(session)
            out = run([ltdes, "run", "--trace", trace, "--tp", p["tp"], "--pp", p["pp"], "--dp",
                       p["dp"], "--microbatches", p["microbatches"], "--timeline", "none",
                       "--out", os.path.join(session, "r.h5"), "--force"]
                      + (["--ep", ep(p)] if ep(p) != "1" else []) + sets[1:], session)
            return [figure(out, "makespan", "ms") * 1e-3, figure(out, "TTFT", "ms") * 1e-3,
                    figure(out, "TPOT", "ms") * 1e-3, figure(out, "energy", "J")]

        todo = [p for p in plans if key(p) not in cache]
        with concurrent.futures.ThreadPoolExecutor(max_workers=a.jobs) as pool:
            for p, figs in zip(todo, pool.map(simulate, todo)):
                cache[key(p)] = figs
        if a.cache:
            with open(a.cache, "w") as f:
                json.dump(cache, f)
        rows = []
        for p in plans:
            ms, ttft, tpot, energy = cache[key(p)]
            sim = objective(a.objective, ms, ttft, tpot, energy, tokens)
            rows.append((p, float(p["objective"]), sim, float(p["makespan_s"]), ms))
    predicted = [r[1] for r in rows]
    simulated = [r[2] for r in rows]
    rho = spearman(predicted, simulated)
    best = min(simulated)
    chosen = simulated[0]  # the CSV lists the search's choice first
    # For maximised objectives the values are negated: compare magnitudes.
    gap = (chosen - best) / abs(best)
    errors = [abs(r[3] - r[4]) / r[4] for r in rows]
    c = rows[0][0]
    print(f"{a.model:14s} chips {a.chips:4d} plans {len(rows):4d} chose tp{c['tp']} pp{c['pp']} "
          f"dp{c['dp']} mb{c['microbatches']}: {100 * gap:5.2f} % from the best simulated "
          f"{a.objective}; Spearman rho {rho:.3f}; makespan error median "
          f"{100 * statistics.median(errors):.2f} % max {100 * max(errors):.2f} %; "
          f"search {search_s:.2f} s (process)")
    if a.csv:
        with open(a.csv, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["tp", "pp", "dp", "microbatches", "ep", "predicted_objective",
                        "simulated_objective", "predicted_makespan_s", "simulated_makespan_s"])
            for p, pr, si, pm, sm in rows:
                w.writerow([p["tp"], p["pp"], p["dp"], p["microbatches"], ep(p), pr, si, pm, sm])
    if gap > a.tolerance or rho < a.min_rho:
        sys.exit(f"plan_search_sweep.py: {a.model} on {a.chips} chips: chosen plan "
                 f"{100 * gap:.2f} % from the best (tolerance {100 * a.tolerance:.0f} %), "
                 f"rho {rho:.3f} (minimum {a.min_rho})")


if __name__ == "__main__":
    main()
