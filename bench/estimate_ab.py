#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Interleaved whole-process time of one lt-des command for two binaries (docs/performance.md).

Usage: bench/estimate_ab.py OLD NEW PAIRS [lt-des arguments...]
(default arguments: estimate --trace traces/gpt2.trace --format csv)

Runs OLD and NEW alternately (the first of each pair alternating too), PAIRS times each after
one warm-up, and prints for both the median and minimum wall time and the median CPU time
(user + system of the process), and the medians of the NEW/OLD ratios within each pair. CPU
time is the figure that survives a loaded machine; wall time includes waiting for a core.
"""
import os
import resource
import statistics
import subprocess
import sys
import time


def run(binary, args):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([binary] + args, stdout=subprocess.DEVNULL, check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall * 1e3, cpu * 1e3


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    old, new, pairs = sys.argv[1], sys.argv[2], int(sys.argv[3])
    args = sys.argv[4:] or ["estimate", "--trace", "traces/gpt2.trace", "--format", "csv"]
    run(old, args)
    run(new, args)
    times = {old: [], new: []}
    loads = []
    for i in range(pairs):
        for binary in (old, new) if i % 2 == 0 else (new, old):
            times[binary].append(run(binary, args))
        loads.append(os.getloadavg()[0])
    print(f"lt-des {' '.join(args)}: {pairs} pairs, 1-minute load average "
          f"{min(loads):.1f}-{max(loads):.1f}")
    for label, binary in (("old", old), ("new", new)):
        walls = [t[0] for t in times[binary]]
        cpus = [t[1] for t in times[binary]]
        print(f"{label} {binary}: wall median {statistics.median(walls):.2f} ms, min "
              f"{min(walls):.2f} ms; CPU median {statistics.median(cpus):.2f} ms")
    wall_ratio = [n[0] / o[0] for o, n in zip(times[old], times[new])]
    cpu_ratio = [n[1] / o[1] for o, n in zip(times[old], times[new]) if o[1] > 0]
    print(f"new/old: wall ratio median {statistics.median(wall_ratio):.3f}, CPU ratio median "
          f"{statistics.median(cpu_ratio):.3f}")


if __name__ == "__main__":
    main()
