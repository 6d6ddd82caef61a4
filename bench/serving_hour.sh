#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# serving_hour.sh [BUILD_DIR] [EXTRA RUN FLAGS...]: the serving benchmark. One hour of a
# conversation-shaped workload (20 000 requests, Poisson at 5.5 requests/s, prompts lognormal
# with median 1000 clipped to 4096, decode lognormal with median 200 clipped to 700) served by
# llama3-8b on 64 chips = 8 replicas of tp 8, iteration fidelity, on 1 and 2 ranks. Prints the
# run's summary, wall time and peak resident memory per rank (GNU time), then checks that the
# two rank counts wrote identical /requests, /iterations and /summary.
#
# serving_hour.sh BUILD_DIR --op-first SECONDS [EXTRA RUN FLAGS...]: the op-fidelity cost of the
# same workload's first SECONDS (the requests arriving before then, served to completion) at
# --fidelity op on 1 and 2 ranks, with the same checks.
#
# KEEP=DIR keeps the two output files there (np1.h5, np2.h5), e.g. for serving_balance.py.
#
# RUNS=N (default 1) then runs 1 and 2 ranks N - 1 more times, interleaved (this machine's
# speed drifts from minute to minute, so a ratio of single runs says little), and prints the
# simulation wall times, their medians and the ratio of the medians (the issue-13 figure), and
# the ratio of the fastest runs.
#
# HALVES=N then measures what two processes gain on this machine at all, with no
# synchronisation: the hour's requests taken alternately make two half-load traces, each served
# by 4 replicas on 1 rank; N times (interleaved) both run one after the other and then both at
# once. The median of (sum of the two alone) / (longer of the two at once) bounds what 2 ranks
# can reach here, whatever the protocol.
set -euo pipefail
build=${1:-build/release}
shift || true
first=""
if [ "${1:-}" = "--op-first" ]; then
    first=$2
    shift 2
    set -- --fidelity op "$@"
fi
exe=$build/src/cli/lt-des
[ -x "$exe" ] || { echo "build $exe first"; exit 2; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$exe" trace gen --model llama3-8b --requests 20000 --arrivals poisson:5.5 \
    --prompt lognormal:1000:1.0 --decode lognormal:200:0.86 --seed 42 -o "$tmp/raw.trace" 2>/dev/null
# The generator clips to the model's context (8192); the benchmark's workload clips further.
awk '/^[0-9]/ && NF == 4 { if ($3 > 4096) $3 = 4096; if ($4 > 700) $4 = 700 } { print }' \
    "$tmp/raw.trace" > "$tmp/hour.trace"
if [ -n "$first" ]; then
    # Only the requests arriving in the first $first seconds (arrivals are exact decimals).
    awk -v t="$first" '/^[0-9]/ && NF == 4 { if ($2 + 0 < t + 0) { print; n++ } next }
        /^end / { print "end " n; next } { print }' "$tmp/hour.trace" > "$tmp/first.trace"
    mv "$tmp/first.trace" "$tmp/hour.trace"
    echo "op fidelity, requests arriving in the first $first s: $(grep -c '^[0-9]' "$tmp/hour.trace")"
fi
for np in 1 2; do
    start=$(date +%s.%N)
    mpiexec --oversubscribe -n $np /usr/bin/time -f "rank peak RSS %M KiB" \
        "$exe" run --trace "$tmp/hour.trace" --tp 8 --dp 8 --out "$tmp/np$np.h5" "$@" 2>&1 |
        tee "$tmp/np$np.log"
    end=$(date +%s.%N)
    printf 'np=%d wall=%.1fs\n' $np "$(echo "$end - $start" | bc)"
done
for g in /requests /iterations /summary; do
    h5diff "$tmp/np1.h5" "$tmp/np2.h5" $g $g && echo "$g identical on 1 and 2 ranks"
done
sim_wall() { sed -n 's/^simulation .* \([0-9.]*\) s wall.*/\1/p' "$1"; }
median() { tr ' ' '\n' | grep . | sort -g | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
fastest() { tr ' ' '\n' | grep . | sort -g | head -1; }
runs=${RUNS:-1}
if [ "$runs" -gt 1 ]; then
    walls1=$(sim_wall "$tmp/np1.log") walls2=$(sim_wall "$tmp/np2.log")
    for ((i = 1; i < runs; i++)); do
        for np in 1 2; do
            mpiexec --oversubscribe -n $np "$exe" run --trace "$tmp/hour.trace" --tp 8 --dp 8 \
                --out "$tmp/again.h5" --force "$@" > "$tmp/again.log" 2>&1
            w=$(sim_wall "$tmp/again.log")
            if [ $np = 1 ]; then walls1="$walls1 $w"; else walls2="$walls2 $w"; fi
        done
    done
    m1=$(echo "$walls1" | median) m2=$(echo "$walls2" | median)
    echo "simulation wall, $runs interleaved runs: 1 rank [$walls1] median $m1 s; 2 ranks [$walls2] median $m2 s"
    echo "2 ranks faster by $(echo "scale=3; $m1 / $m2" | bc)x (ratio of the medians)"
    # This machine's two cores are often not both fully ours: the fastest runs show what the
    # build does when they are.
    f1=$(echo "$walls1" | fastest) f2=$(echo "$walls2" | fastest)
    echo "fastest runs: 1 rank $f1 s, 2 ranks $f2 s: $(echo "scale=3; $f1 / $f2" | bc)x"
fi
halves=${HALVES:-0}
if [ "$halves" -gt 0 ]; then
    for p in 0 1; do
        awk -v p=$p '/^[0-9]/ && NF == 4 { if ($1 % 2 == p) { $1 = n++; print } next }
            /^end / { print "end " n; next } { print }' "$tmp/hour.trace" > "$tmp/half$p.trace"
    done
    extra=("$@")
    half() {  # half P LOG: one half-load trace on 4 replicas, 1 rank
        "$exe" run --trace "$tmp/half$1.trace" --tp 8 --dp 4 --out "$tmp/half$1.h5" --force \
            "${extra[@]}" > "$2" 2>&1
    }
    gains=""
    for ((i = 0; i < halves; i++)); do
        half 0 "$tmp/a.log"; half 1 "$tmp/b.log"
        alone=$(echo "$(sim_wall "$tmp/a.log") + $(sim_wall "$tmp/b.log")" | bc)
        half 0 "$tmp/a.log" & half 1 "$tmp/b.log"; wait
        both=$(printf '%s\n%s\n' "$(sim_wall "$tmp/a.log")" "$(sim_wall "$tmp/b.log")" | sort -g | tail -1)
        gain=$(echo "scale=3; $alone / $both" | bc)
        echo "halves: alone $alone s in all, at once $both s: ${gain}x"
        gains="$gains $gain"
    done
    echo "two independent half-load processes at once: $(echo "$gains" | median)x faster than one after the other (median of $halves)"
fi
if [ -n "${KEEP:-}" ]; then
    mkdir -p "$KEEP"
    cp "$tmp/np1.h5" "$tmp/np2.h5" "$KEEP/"
fi
