#!/usr/bin/env bash
# serving_search_ranks.sh LT_DES OUT_DIR MPIEXEC...: the serving plan search split over ranks.
# serving-small's search on up to 16 chips (513 plans), then the same search run through: on
# 1, 2, 3 and 4 ranks (and 2 ranks of 2 threads) the whole ranking (--search-csv), the dry-run
# report and the simulated run's /requests and /summary must be those of 1 rank.
set -u
lt=$1 dir=$2
shift 2
mpi=("$@")
mkdir -p "$dir"
for n in 1 2 3 4; do
    "${mpi[@]}" -n "$n" "$lt" run --trace traces/serving-small.trace --set chips=16 --dry-run \
        --search-csv "$dir/np$n.csv" >"$dir/np$n.txt" 2>"$dir/np$n.err" ||
        { echo "FAIL: dry run on $n rank(s): $(head -c 400 "$dir/np$n.err")"; exit 1; }
    [ "$(wc -l <"$dir/np$n.csv")" -gt 500 ] || { echo "FAIL: $n rank(s): too few plans"; exit 1; }
    # The search's timing line differs from run to run; the rest of the report may not.
    grep -v '^plan search: objective' "$dir/np$n.txt" >"$dir/np$n.report"
    "${mpi[@]}" -n "$n" "$lt" run --trace traces/serving-small.trace --set chips=16 \
        --out "$dir/np$n.h5" --force >/dev/null 2>"$dir/np$n.err" ||
        { echo "FAIL: run on $n rank(s): $(head -c 400 "$dir/np$n.err")"; exit 1; }
done
# Ranks of two threads each (processes of their own, as in production).
"${mpi[@]}" -n 2 "$lt" run --trace traces/serving-small.trace --set chips=16 --dry-run --threads 2 \
    --search-csv "$dir/np2t2.csv" >/dev/null 2>"$dir/np2t2.err" ||
    { echo "FAIL: dry run on 2 ranks of 2 threads: $(head -c 400 "$dir/np2t2.err")"; exit 1; }
cmp -s "$dir/np1.csv" "$dir/np2t2.csv" || { echo "FAIL: the ranking differs on 2 ranks x 2 threads"; exit 1; }
for n in 2 3 4; do
    cmp -s "$dir/np1.csv" "$dir/np$n.csv" || { echo "FAIL: the ranking differs on $n ranks"; exit 1; }
    cmp -s "$dir/np1.report" "$dir/np$n.report" ||
        { echo "FAIL: the dry-run report differs on $n ranks"; exit 1; }
    for g in /requests /summary; do
        h5diff "$dir/np1.h5" "$dir/np$n.h5" "$g" >/dev/null ||
            { echo "FAIL: $g differs between 1 and $n ranks"; exit 1; }
    done
done
echo "ok: the serving plan search ranks alike and picks alike on 1, 2, 3 and 4 ranks"
