#!/usr/bin/env bash
# phold_matrix.sh LT_DES MPIEXEC... -- RANKS THREADS [PHOLD FLAGS...]
# Runs `lt-des bench phold` once per (ranks, threads) pair given as R:T words in RANKS_THREADS
# and fails unless every run prints the same events= and fingerprint= as the first one, and,
# when EXPECT_EVENTS is set, that exact event count (a hand-computed value).
set -u
lt_des=$1; shift
mpiexec=()
while [ "$1" != "--" ]; do mpiexec+=("$1"); shift; done
shift
pairs=$1; shift
ref=""
status=0
for pair in $pairs; do
    n=${pair%%:*}; t=${pair##*:}
    out=$("${mpiexec[@]}" -n "$n" "$lt_des" bench phold "$@" --threads "$t" 2>&1)
    rc=$?
    line=$(echo "$out" | grep -E '^events=[0-9]+ seconds=[0-9.]+ events_per_s=[0-9]+ fingerprint=[0-9a-f]{16}$')
    if [ $rc -ne 0 ] || [ -z "$line" ] || [ "$(echo "$line" | wc -l)" -ne 1 ]; then
        echo "FAIL -n $n --threads $t: exit $rc, output:"; echo "$out"; status=1; continue
    fi
    key=$(echo "$line" | sed -E 's/^(events=[0-9]+) .* (fingerprint=[0-9a-f]+)$/\1 \2/')
    echo "-n $n --threads $t: $key"
    if [ -n "${EXPECT_EVENTS:-}" ] && [ "${key%% *}" != "events=$EXPECT_EVENTS" ]; then
        echo "FAIL: expected events=$EXPECT_EVENTS"; status=1
    fi
    if [ -z "$ref" ]; then
        ref=$key
    elif [ "$key" != "$ref" ]; then
        echo "FAIL: differs from the first run ($ref)"; status=1
    fi
done
[ $status -eq 0 ] && echo "phold matrix: identical"
exit $status
