#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""serving_balance.py OUT.h5 DP [RANKS [block|interleave]]: how far a serving run can speed up on RANKS ranks.

Reads the /requests and /iterations of a finished run (any -n: they are identical) and replays
the conservative synchronisation of the router/replica model: the ranks agree at every
arrival and every completion (the router's next arrival and a replica's next completion are
the earliest outputs that bound the other ranks), so between two such cut points each rank runs
the iterations of its own replicas. The DP replicas go to ranks in blocks of DP/RANKS (the
locality partition; the router is on rank 0), or replica r to rank r mod RANKS (interleave). Prints, per rank, the share of iterations, and
the bound on the speed-up: iterations / sum over windows of the busiest rank's iterations
(every iteration costs the same, rounds cost nothing).
"""
import sys

import h5py
import numpy as np


def main():
    path = sys.argv[1]
    dp = int(sys.argv[2])
    ranks = int(sys.argv[3]) if len(sys.argv) > 3 else 2
    interleave = len(sys.argv) > 4 and sys.argv[4] == "interleave"
    with h5py.File(path, "r") as f:
        it_rep = f["/iterations/replica"][:].astype(np.int64)
        it_end = f["/iterations/t_end"][:]
        arrival = f["/requests/arrival"][:]
        completion = f["/requests/completion"][:]
    per = -(-dp // ranks)
    rank_of = it_rep % ranks if interleave else np.minimum(it_rep // per, ranks - 1)
    cuts = np.unique(np.concatenate([arrival, completion[completion >= 0]]))
    window = np.searchsorted(cuts, it_end, side="left")
    counts = np.zeros((len(cuts) + 1, ranks), dtype=np.int64)
    np.add.at(counts, (window, rank_of), 1)
    total = len(it_end)
    busiest = counts.max(axis=1).sum()
    share = counts.sum(axis=0) / total
    print(f"{path}: {total} iterations, {dp} replicas, {len(cuts)} cut points, {ranks} ranks")
    print("iterations per replica:", np.bincount(it_rep, minlength=dp).tolist())
    print("share per rank:", " ".join(f"{s:.3f}" for s in share))
    print(f"speed-up bound, per-window balance: {total / busiest:.2f}x; "
          f"whole-run balance only: {1 / share.max():.2f}x")


if __name__ == "__main__":
    main()
