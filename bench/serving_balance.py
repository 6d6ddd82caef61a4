#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""serving_balance.py OUT.h5 DP [RANKS [block|interleave]] [--sweep]: how far a serving run can speed up on RANKS ranks.

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
"""
import sys

import h5py
import numpy as np


def bound(cuts, it_end, rank_of, ranks):
    window = np.searchsorted(cuts, it_end, side="left")
    counts = np.zeros((len(cuts) + 1, ranks), dtype=np.int64)
    np.add.at(counts, (window, rank_of), 1)
    return len(it_end) / counts.max(axis=1).sum(), counts.sum(axis=0) / len(it_end)


def main():
    args = [a for a in sys.argv[1:] if a != "--sweep"]
    sweep = "--sweep" in sys.argv[1:]
    path = args[0]
    dp = int(args[1])
    ranks = int(args[2]) if len(args) > 2 else 2
    interleave = len(args) > 3 and args[3] == "interleave"
    with h5py.File(path, "r") as f:
        it_rep = f["/iterations/replica"][:].astype(np.int64)
        it_end = f["/iterations/t_end"][:]
        arrival = f["/requests/arrival"][:]
        completion = f["/requests/completion"][:]
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


if __name__ == "__main__":
    main()
