#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Whole-process wall time of `lt-des estimate` (target: < 50 ms, docs/performance.md).

Usage: bench/estimate_time.py [path/to/lt-des] [repeats]
Each case runs `repeats` times (default 30) after one warm-up; prints the median and the max in
ms. Cases: the paper's five workloads in default and compat mode, every trace in traces/ once
`estimate --trace` is wired (skipped while it exits with an error), and a profile run.
"""
import glob
import statistics
import subprocess
import sys
import time

LTDES = sys.argv[1] if len(sys.argv) > 1 else "build/release/src/cli/lt-des"
REPEATS = int(sys.argv[2]) if len(sys.argv) > 2 else 30

CASES = [
    ["estimate", "--model", "deit-t", "--format", "csv"],
    ["estimate", "--model", "deit-b", "--format", "csv"],
    ["estimate", "--model", "bert-b", "--tokens", "384", "--format", "csv"],
    ["estimate", "--model", "bert-l", "--tokens", "320", "--format", "csv"],
    ["estimate", "--model", "bert-l", "--tokens", "320", "--compat", "hpca24", "--format", "csv"],
    ["estimate", "--model", "bert-l", "--tokens", "512", "--arch", "Bs_mzi_8bit", "--format",
     "csv"],
    ["profile", "--arch", "Dota_L_8bit"],
]
def static_trace(path):
    """Static-batch traces (lt-trace 1); request traces (lt-trace 2) are served, not estimated."""
    with open(path, encoding="utf-8") as f:
        return f.readline().strip() == "lt-trace 1"


CASES += [["estimate", "--trace", t, "--format", "csv"]
          for t in sorted(glob.glob("traces/*.trace")) if static_trace(t)]


def wall_ms(args):
    t0 = time.perf_counter()
    r = subprocess.run([LTDES] + args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return (time.perf_counter() - t0) * 1e3, r.returncode


def main():
    print(f"| command (lt-des …) | median ms | max ms | runs |")
    print("|---|---|---|---|")
    for args in CASES:
        _, rc = wall_ms(args)
        if rc != 0:
            print(f"| `{' '.join(args)}` | (exit {rc}: not available in this build) | | |")
            continue
        times = [wall_ms(args)[0] for _ in range(REPEATS)]
        print(f"| `{' '.join(args)}` | {statistics.median(times):.2f} | {max(times):.2f} | "
              f"{REPEATS} |")


if __name__ == "__main__":
    main()
