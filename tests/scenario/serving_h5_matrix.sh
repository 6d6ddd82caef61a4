#!/usr/bin/env bash
# serving_h5_matrix.sh LT_DES OUT_DIR MPIEXEC... -- RUN_ARGS...
# Generates a request trace (tiny model, 400 Poisson requests), serves it with `lt-des run
# RUN_ARGS` on 1, 2 and 4 ranks and on 2 ranks with 2 threads, and fails unless /requests,
# /iterations, /layers and /summary of the result files are identical (h5diff).
set -u
lt=$1 dir=$2
shift 2
mpi=()
while [ "$1" != "--" ]; do mpi+=("$1"); shift; done
shift
mkdir -p "$dir"
"$lt" trace gen --model tiny --requests 400 --arrivals poisson:40000 --prompt uniform:4:40 \
    --decode uniform:1:20 --seed 5 -o "$dir/requests.trace" 2>/dev/null ||
    { echo "FAIL: trace gen failed"; exit 1; }
for n in 1 2 4; do
    "${mpi[@]}" -n "$n" "$lt" run --trace "$dir/requests.trace" "$@" --out "$dir/np$n.h5" \
        --force >/dev/null || { echo "FAIL: run on $n rank(s) failed"; exit 1; }
done
"${mpi[@]}" -n 2 "$lt" run --trace "$dir/requests.trace" "$@" --threads 2 --out "$dir/np2t2.h5" \
    --force >/dev/null || { echo "FAIL: run on 2 ranks x 2 threads failed"; exit 1; }
for n in 2 4 2t2; do
    for g in /requests /iterations /layers /summary; do
        h5diff "$dir/np1.h5" "$dir/np$n.h5" "$g" >/dev/null ||
            { echo "FAIL: $g differs between 1 and $n ranks"; exit 1; }
    done
done
# Where each rank's time went (issue 13): a serving run fills /metadata/ranks like a static one.
/usr/bin/python3 - "$dir/np2.h5" <<'PY' || { echo "FAIL: /metadata/ranks of the 2-rank run"; exit 1; }
import sys, h5py
g = h5py.File(sys.argv[1], "r")["/metadata/ranks"]
sim, comp, sync = g["simulation_s"][:], g["compute_s"][:], g["sync_s"][:]
assert len(sim) == 2 and (g["windows"][:] > 0).all() and (g["rounds"][:] >= 1).all(), list(g)
assert (abs(comp + sync - sim) <= 1e-9 * sim.max() + 1e-12).all(), (sim, comp, sync)
PY
echo "ok: /requests, /iterations, /layers, /summary identical for 1, 2, 4 ranks and 2 ranks x 2 threads"
