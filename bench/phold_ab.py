#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Interleaved PHOLD comparison of two or more lt-des binaries (docs/performance.md).

Usage: bench/phold_ab.py A|B ROUNDS NAME=LT_DES [NAME=LT_DES ...]

On a loaded machine a few per cent cannot be read off separate runs: the load moves more than
that between them. Each round runs every binary once on one rank, in an order that rotates from
round to round, and the figures are medians over rounds of the ratio to the first binary within
the same round (events/s from the benchmark line, and user + system CPU seconds of the
process). Prints the 1-minute load average range and fails when fingerprints differ.
Give lt-des-mpi (or an old single binary) directly: no mpirun, one rank.
"""
import os
import resource
import statistics
import subprocess
import sys

LOADS = {
    "A": "--lps 2048 --start-events 1 --remote 0.25 --lookahead 1 --mean 0 --end 1000",
    "B": "--lps 65536 --start-events 16 --remote 0.25 --lookahead 0.1 --mean 0.9 --end 10",
}


def run(binary, flags):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run([binary, "bench", "phold"] + flags.split(), check=True,
                         capture_output=True, text=True).stdout
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    fields = dict(w.split("=", 1) for w in out.split() if "=" in w)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return float(fields["events_per_s"]), cpu, fields["fingerprint"]


def main():
    if len(sys.argv) < 5 or sys.argv[1] not in LOADS or int(sys.argv[2]) < 2:
        sys.exit(__doc__ + "\nROUNDS must be at least 2.")
    flags, rounds = LOADS[sys.argv[1]], int(sys.argv[2])
    named = [a.split("=", 1) for a in sys.argv[3:]]
    os.environ.setdefault("OMPI_ALLOW_RUN_AS_ROOT", "1")
    os.environ.setdefault("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
    results = {name: [] for name, _ in named}
    loads, prints = [], set()
    for r in range(rounds):
        for k in range(len(named)):
            name, binary = named[(r + k) % len(named)]
            rate, cpu, fp = run(binary, flags)
            results[name].append((rate, cpu))
            prints.add(fp)
            loads.append(os.getloadavg()[0])
    base = named[0][0]
    print(f"load {sys.argv[1]}, {rounds} rounds, 1-minute load average {min(loads):.1f}-"
          f"{max(loads):.1f}, fingerprints {' '.join(sorted(prints))}")
    for name, _ in named:
        rates = [x[0] for x in results[name]]
        cpus = [x[1] for x in results[name]]
        line = (f"{name}: median {statistics.median(rates) / 1e6:.3f} M events/s, "
                f"median CPU {statistics.median(cpus):.2f} s")
        if name != base:
            rr = [a[0] / b[0] for a, b in zip(results[name], results[base])]
            cr = [a[1] / b[1] for a, b in zip(results[name], results[base])]
            q = statistics.quantiles(rr, n=4)
            line += (f"; / {base}: events/s ratio median {statistics.median(rr):.3f} "
                     f"(quartiles {q[0]:.3f}-{q[2]:.3f}), CPU ratio median "
                     f"{statistics.median(cr):.3f}")
        print(line)
    if len(prints) != 1:
        sys.exit("fingerprints differ")


if __name__ == "__main__":
    main()
