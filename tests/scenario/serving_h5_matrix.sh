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
echo "ok: /requests, /iterations, /layers, /summary identical for 1, 2, 4 ranks and 2 ranks x 2 threads"
