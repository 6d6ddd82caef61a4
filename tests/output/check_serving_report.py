#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""check_serving_report.py LT_DES SCRIPTS_DIR TRACE: the serving plots of lt_report.py. Runs
TRACE (a small request trace), replaces its /requests by four hand-made rows and checks the
latencies and serving_timeline.csv against values worked out by hand; then checks the load
sweep's knee on a hand-made lt_collect.py table."""
import csv
import os
import subprocess
import sys
import tempfile

import h5py
import numpy as np

S = 10**12  # ps per second


def expect(cond, msg):
    if not cond:
        sys.exit("check_serving_report: " + msg)


def main(ltdes, scripts, trace):
    sys.path.insert(0, scripts)
    import lt_serving_plots as sp

    with tempfile.TemporaryDirectory() as tmp:
        h5 = os.path.join(tmp, "run.h5")
        r = subprocess.run([ltdes, "--trace", trace, "--out", h5], capture_output=True, text=True)
        expect(r.returncode == 0, "lt-des failed: " + r.stderr)
        # r0..r2 served, r3 rejected (times in s):
        #   arrival scheduled first completion decode
        #   0       0         1     2          3
        #   0.5     1.5       2     4          5
        #   1       2         3     4          1   (one token: no TPOT)
        #   1       -         -     -          2   (rejected)
        rows = {"arrival": [0, S // 2, S, S], "scheduled": [0, 3 * S // 2, 2 * S, -1],
                "first_token": [S, 2 * S, 3 * S, -1], "completion": [2 * S, 4 * S, 4 * S, -1]}
        with h5py.File(h5, "r+") as f:
            g = f["requests"]
            for k in list(g):
                del g[k]
            for k, v in rows.items():
                g[k] = np.asarray(v, dtype=np.int64)
            g["decode_tokens"] = np.asarray([3, 5, 1, 2], dtype=np.uint64)
        with h5py.File(h5, "r") as f:
            ttft, tpot, e2e = sp.latencies(f, np)
            expect(np.allclose(ttft, [1, 1.5, 2]), f"TTFT {ttft}")
            # (2 − 1) / (3 − 1) and (4 − 2) / (5 − 1).
            expect(np.allclose(tpot, [0.5, 0.5]), f"TPOT {tpot}")
            expect(np.allclose(e2e, [2, 3.5, 3]), f"e2e {e2e}")

        out = os.path.join(tmp, "report")
        r = subprocess.run([sys.executable, os.path.join(scripts, "lt_report.py"), h5, "-o", out,
                            "--bins", "2"], capture_output=True, text=True)
        expect(r.returncode == 0, "lt_report failed: " + r.stderr)
        for png in ("latency_cdf.png", "queue_throughput.png"):
            with open(os.path.join(out, png), "rb") as fh:
                expect(fh.read(8) == b"\x89PNG\r\n\x1a\n", f"{png} is not a PNG")
        got = list(csv.DictReader(open(os.path.join(out, "serving_timeline.csv"))))
        # Bins [0, 2) and [2, 4] s over the three admitted requests.
        # [0, 2): waiting = arrived − admitted: t=0.5 → 2−1, t=1 → 3−1 = 2, t=1.5 → 3−2;
        #   running: t=1.5 → r0, r1 = 2; no completion before 2 s.
        # [2, 4]: t=2 → waiting 3−3 = 0, running 3 admitted − 1 done = 2; r0 (2 s), r1 and r2
        #   (4 s) complete: 3 in 2 s = 1.5/s.
        want = [(0.0, 2.0, 2, 2, 0, 0.0), (2.0, 4.0, 0, 2, 3, 1.5)]
        have = [(float(g["t_start_s"]), float(g["t_end_s"]), int(g["waiting_max"]),
                 int(g["running_max"]), int(g["completed"]), float(g["throughput_rps"]))
                for g in got]
        expect(have == want, f"serving_timeline.csv {have}, expected {want}")
        summary = open(os.path.join(out, "summary.txt")).read()
        expect("queue: at most 2 waiting, 2 running" in summary, "summary:\n" + summary)

        # Load sweep: series a's p99 TTFT passes 2 x 0.1 s at 3 requests/s, b never does; an
        # incomplete run and a static run are left out.
        table = os.path.join(tmp, "sweep.csv")
        cols = ["file", "status", "offered_load_rps", "ttft_p99_s", "tpot_s",
                "energy_per_generated_token_J"]
        data = [("0001-a@1.h5", "complete", 1, 0.1), ("0002-a@2.h5", "complete", 2, 0.15),
                ("0003-a@3.h5", "complete", 3, 0.25), ("0004-a@4.h5", "complete", 4, 1.0),
                ("0005-b@1.h5", "complete", 1, 0.1), ("0006-b@2.h5", "complete", 2, 0.2),
                ("0007-b@3.h5", "partial", 3, 9.0), ("0008-static.h5", "complete", "", "")]
        with open(table, "w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(cols)
            for name, status, x, y in data:
                w.writerow([name, status, x, y, 0.001, 0.002])
        r = subprocess.run([sys.executable, os.path.join(scripts, "lt_report.py"), "--sweep",
                            table, "-o", out], capture_output=True, text=True)
        expect(r.returncode == 0, "lt_report --sweep failed: " + r.stderr)
        knees = {(g["series"], float(g["offered_load_rps"])): g["knee_rps"]
                 for g in csv.DictReader(open(os.path.join(out, "load_sweep.csv")))}
        expect(sorted(knees) == [("a", 1), ("a", 2), ("a", 3), ("a", 4), ("b", 1), ("b", 2)],
               f"points {sorted(knees)}")
        expect(knees[("a", 1)] == "3.0" and knees[("b", 1)] == "", f"knees {knees}")
    print("check_serving_report: ok")


if __name__ == "__main__":
    main(*sys.argv[1:4])
