#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""serving_balance.py OUT.h5 DP [RANKS [block|interleave]] [--sweep] [--sliding] [--async]: how far a serving run can speed up on RANKS ranks.

Reads the /requests and /iterations of a finished run (any -n: they are identical) and replays
the conservative synchronisation of the router/replica model: the ranks agree at every
arrival and every completion (the router's next arrival and a replica's next completion are
the earliest outputs that bound the other ranks), so between two such cut points each rank runs
the iterations of its own replicas. The DP replicas go to ranks in blocks of DP/RANKS (the
locality partition; the router is on rank 0), or replica r to rank r mod RANKS (interleave). Prints, per rank, the share of iterations, and
the bound on the speed-up: iterations / sum over windows of the busiest rank's iterations
(every iteration costs the same, rounds cost nothing).

--sweep also prints the bound for rounds that each span K arrivals (cut points at every K-th
arrival only, no completion cuts): what a synchronisation that lets ranks run K arrivals ahead
of each other could reach on this run.

--sliding also replays what the kernel does since session 6 (least_outstanding, ties in turn,
blocks placement): the router dispatches an arrival as soon as the replica its scan starts at
is known to be idle then (its previous request's completion is behind the progress of the rank
that runs it), or else once every rank has passed the arrival; each rank runs its iterations up
to the first arrival not yet dispatched, at most W iterations per round, and a round costs C
seconds on top of the busier rank's work (an iteration costs the 1-rank run's wall time per
iteration, SECONDS/iterations). Prints the bound for W in 64, 256, 1024 and no limit and C in
0, 5 and 20 microseconds.

--async replays the same protocol without rounds: each rank runs its iterations as fast as it
can (SECONDS/iterations each, times 1 + OVERHEAD for work a rank of several does on top), up to
the first arrival the router has not dispatched, which it learns LATENCY after the router
decided it; the router (rank 0, with the first block of replicas) sees its own rank at once and
the others LATENCY late. What the router knows of a completion is the question, in four modes:
"notice" (what the kernel does: a completion is known once its rank has run past it), "receipt"
(a replica would report, when a request reaches it, when it will finish if nothing else comes),
"cached" (the router would work a lone request's completion out itself from costs some rank
has already computed: its prompt length and decode contexts were seen in earlier requests) and
"bound" (the router knows every lone request's completion in advance: the ceiling of any
dispatch protocol). Prints, per mode, LATENCY and OVERHEAD, the 2-rank time, the speed-up and
how long each rank stalls. SECONDS is the 1-rank simulation time (default: the file's).
"""
import bisect
import collections
import os
import sys

import h5py
import numpy as np


def bound(cuts, it_end, rank_of, ranks):
    window = np.searchsorted(cuts, it_end, side="left")
    counts = np.zeros((len(cuts) + 1, ranks), dtype=np.int64)
    np.add.at(counts, (window, rank_of), 1)
    return len(it_end) / counts.max(axis=1).sum(), counts.sum(axis=0) / len(it_end)


def rank_work(it_end, rank_of, ranks):
    """Per rank, the end times of its iterations, sorted."""
    return [np.sort(it_end[rank_of == w]) for w in range(ranks)]


def previous_on_replica(rep):
    """Per request (arrival order), the index of the request before it on the same replica, or -1."""
    prev = [-1] * len(rep)
    last = {}
    for i, r in enumerate(rep):
        prev[i] = last.get(r, -1)
        last[r] = i
    return prev


def sliding(arrival, replica, completion, it_rep, it_end, dp, ranks, seconds):
    order = np.argsort(arrival, kind="stable")
    arr, rep, comp = arrival[order], replica[order].astype(np.int64), completion[order]
    per = -(-dp // ranks)
    work = rank_work(it_end, np.minimum(it_rep // per, ranks - 1), ranks)
    total = sum(len(x) for x in work)
    prev = previous_on_replica(rep)
    never = np.iinfo(np.int64).max
    for limit in (64, 256, 1024, None):
        for cost in (0.0, 5e-6, 20e-6):
            pos = [0] * ranks
            u = rounds = 0
            wall = 0.0
            while True:
                known = [work[w][pos[w]] if pos[w] < len(work[w]) else never for w in range(ranks)]
                while u < len(arr):
                    start = (rep[u - 1] + 1) % dp if u > 0 else 0
                    p = prev[u]
                    idle = p < 0 or (comp[p] < arr[u] and known[min(rep[p] // per, ranks - 1)] > comp[p])
                    if (start == rep[u] and idle) or min(known) >= arr[u]:
                        u += 1
                        continue
                    break
                bound = arr[u] if u < len(arr) else never
                if u >= len(arr) and all(pos[w] >= len(work[w]) for w in range(ranks)):
                    break
                busiest = 0
                for w in range(ranks):
                    end = int(np.searchsorted(work[w], bound))
                    if limit is not None:
                        end = min(end, pos[w] + limit)
                    busiest = max(busiest, end - pos[w])
                    pos[w] = end
                rounds += 1
                wall += busiest * seconds / total + cost
            label = "no limit" if limit is None else f"{limit:5d}"
            print(f"sliding: W {label}, round cost {cost * 1e6:4.0f} us: {rounds:6d} rounds, "
                  f"bound {seconds / wall:.2f}x")


def lone_predictable(prompt, decode):
    """Per request (arrival order): its prompt length and all its decode contexts were seen in
    earlier requests, so a lone run of it would cost only what is already computed."""
    seen = set()
    covered = np.zeros(int((prompt + decode).max()) + 1, dtype=bool)
    out = np.zeros(len(prompt), dtype=bool)
    for i, (p, d) in enumerate(zip(prompt, decode)):
        out[i] = p in seen and covered[p:p + d - 1].all()
        seen.add(p)
        covered[p:p + d - 1] = True
    return out


def async_replay(arr, rep, comp, predictable, work, dp, ranks, seconds, latency, overhead, mode):
    """Wall time of the free-running replay (see --async), in steps of one microsecond."""
    total = sum(len(x) for x in work)
    per_step = 1e-6 / (seconds / total * (1 + overhead))
    lag = max(1, round(latency / 1e-6))
    per = -(-dp // ranks)
    rank_of = [min(r // per, ranks - 1) for r in range(dp)]
    # Plain lists: indexing numpy arrays element by element is what made this slow.
    arr, rep, comp = arr.tolist(), rep.tolist(), comp.tolist()
    predictable = predictable.tolist()
    work = [w.tolist() for w in work]
    prev = previous_on_replica(rep)
    history = collections.deque()
    pos = [0.0] * ranks
    stalled = [0] * ranks
    u = steps = 0
    inf = float("inf")
    while True:
        now = [work[w][int(pos[w])] if int(pos[w]) < len(work[w]) else inf for w in range(ranks)]
        seen, seen_u = history[0] if len(history) > lag else ([0.0] * ranks, 0)
        known = [now[0]] + list(seen[1:])
        while u < len(arr):
            p = prev[u]
            if p >= 0:
                ahead = mode == "bound" or (mode == "cached" and predictable[p])
                must_pass = -1.0 if ahead else (arr[p] if mode == "receipt" else comp[p])
                idle = comp[p] < arr[u] and known[rank_of[rep[p]]] > must_pass
            else:
                idle = True
            start = (rep[u - 1] + 1) % dp if u > 0 else 0
            if (start == rep[u] and idle) or min(known) >= arr[u]:
                u += 1
                continue
            break
        history.append((now, u))
        if len(history) > lag + 1:
            history.popleft()
        for w in range(ranks):
            dispatched = u if w == 0 else seen_u
            end = bisect.bisect_left(work[w], arr[dispatched] if dispatched < len(arr) else inf)
            if pos[w] < end:
                pos[w] = min(float(end), pos[w] + per_step)
            elif int(pos[w]) < len(work[w]):
                stalled[w] += 1
        steps += 1
        if u >= len(arr) and all(int(pos[w]) >= len(work[w]) for w in range(ranks)):
            return steps * 1e-6, [s * 1e-6 for s in stalled]


def main():
    flags = ("--sweep", "--sliding", "--async")
    args = [a for a in sys.argv[1:] if a not in flags]
    sweep = "--sweep" in sys.argv[1:]
    slide = "--sliding" in sys.argv[1:]
    free = "--async" in sys.argv[1:]
    path = args[0]
    dp = int(args[1])
    ranks = int(args[2]) if len(args) > 2 else 2
    interleave = len(args) > 3 and args[3] == "interleave"
    with h5py.File(path, "r") as f:
        it_rep = f["/iterations/replica"][:].astype(np.int64)
        it_end = f["/iterations/t_end"][:]
        arrival = f["/requests/arrival"][:]
        completion = f["/requests/completion"][:]
        replica = f["/requests/replica"][:]
        prompt = f["/requests/prompt_tokens"][:].astype(np.int64)
        decode = f["/requests/decode_tokens"][:].astype(np.int64)
        seconds = float(f["/metadata/ranks/simulation_s"][:].max()) if slide or free else 0.0
    per = -(-dp // ranks)
    rank_of = it_rep % ranks if interleave else np.minimum(it_rep // per, ranks - 1)
    cuts = np.unique(np.concatenate([arrival, completion[completion >= 0]]))
    speedup, share = bound(cuts, it_end, rank_of, ranks)
    print(f"{path}: {len(it_end)} iterations, {dp} replicas, {len(cuts)} cut points, {ranks} ranks")
    print("iterations per replica:", np.bincount(it_rep, minlength=dp).tolist())
    print("share per rank:", " ".join(f"{s:.3f}" for s in share))
    print(f"speed-up bound, per-window balance: {speedup:.2f}x; "
          f"whole-run balance only: {1 / share.max():.2f}x")
    if sweep:
        arrivals = np.sort(arrival)
        for k in (1, 2, 4, 8, 16, 64, 256):
            s, _ = bound(arrivals[::k], it_end, rank_of, ranks)
            print(f"rounds spanning {k:4d} arrivals: {len(arrivals[::k]):6d} cuts, bound {s:.2f}x")
    if slide:
        if interleave:
            sys.exit("--sliding replays the blocks placement only")
        sliding(arrival, replica, completion, it_rep, it_end, dp, ranks, seconds)
    if free:
        if interleave:
            sys.exit("--async replays the blocks placement only")
        seconds = float(os.environ.get("SECONDS_1RANK") or seconds)
        order = np.argsort(arrival, kind="stable")
        arr, rep, comp = arrival[order], replica[order].astype(np.int64), completion[order]
        predictable = lone_predictable(prompt[order], decode[order])
        work = rank_work(it_end, rank_of, ranks)
        print(f"async: 1 rank {seconds:.3f} s; {predictable.mean():.1%} of the requests "
              f"cost only what earlier ones computed")
        for mode in ("notice", "receipt", "cached", "bound"):
            for latency, overhead in ((1e-6, 0.0), (5e-6, 0.0), (5e-6, 0.06), (20e-6, 0.06),
                                      (5e-6, 0.1), (5e-6, 0.12), (5e-6, 0.15), (20e-6, 0.12),
                                      (50e-6, 0.12)):
                wall, stalled = async_replay(arr, rep, comp, predictable, work, dp, ranks,
                                             seconds, latency, overhead, mode)
                print(f"async {mode:8s} latency {latency * 1e6:2.0f} us, overhead "
                      f"{overhead:4.0%}: {wall:.3f} s, {seconds / wall:.2f}x, stalled "
                      + " / ".join(f"{x:.3f}" for x in stalled) + " s")


if __name__ == "__main__":
    main()
