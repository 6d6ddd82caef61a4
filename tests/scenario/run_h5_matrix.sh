#!/usr/bin/env bash
# run_h5_matrix.sh LT_DES OUT_DIR MPIEXEC... -- RUN_ARGS...
# Runs `lt-des run RUN_ARGS` on 1, 2 and 4 ranks (1 thread; RANKS="2 4 8" overrides the counts
# beyond 1) and on 2 ranks with 2 threads, and fails unless /timeline, /layers, /summary and /links of
# the result files are identical (h5diff), as docs/units.md requires.
set -u
lt=$1 dir=$2
shift 2
mpi=()
while [ "$1" != "--" ]; do mpi+=("$1"); shift; done
shift
mkdir -p "$dir"
ranks=${RANKS:-2 4}
for n in 1 $ranks; do
    "${mpi[@]}" -n "$n" "$lt" run "$@" --out "$dir/np$n.h5" --force >/dev/null ||
        { echo "FAIL: run on $n rank(s) failed"; exit 1; }
done
"${mpi[@]}" -n 2 "$lt" run "$@" --threads 2 --out "$dir/np2t2.h5" --force >/dev/null ||
    { echo "FAIL: run on 2 ranks x 2 threads failed"; exit 1; }
for n in $ranks 2t2; do
    for g in /timeline /layers /summary /links; do
        h5diff "$dir/np1.h5" "$dir/np$n.h5" "$g" >/dev/null ||
            { echo "FAIL: $g differs between 1 and $n ranks"; exit 1; }
    done
done
echo "ok: /timeline, /layers, /summary, /links identical for 1, ${ranks// /, } ranks and 2 ranks x 2 threads"
