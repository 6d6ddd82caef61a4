#!/usr/bin/env bash
# phold_bench.sh [LT_DES] : the PHOLD speed benchmark (docs/performance.md).
# Runs loads A and B RUNS times (default 5) on 1 rank and on 2 ranks (1 thread each) and
# prints, per load and rank count, the median events/s, the median seconds, the peak RSS per
# rank, and the 2-rank / 1-rank ratio. Environment: RUNS, RANKS ("1 2"), THREADS (1),
# MPIEXEC (mpiexec). Run it on a quiet machine: note `uptime` before and after.
set -eu
lt_des=${1:-}
if [ -z "$lt_des" ]; then
    for b in build/release build/ci; do [ -x $b/src/cli/lt-des ] && lt_des=$b/src/cli/lt-des && break; done
fi
runs=${RUNS:-5}
ranks_list=${RANKS:-"1 2"}
threads=${THREADS:-1}
mpiexec=${MPIEXEC:-mpiexec}
bind=()  # mpiexec binds each rank to a core; let a rank's TBB threads roam when there are several
[ "$threads" -gt 1 ] && bind=(--bind-to none)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
load_a="--lps 2048 --start-events 1 --remote 0.25 --lookahead 1 --mean 0 --end 1000"
load_b="--lps 65536 --start-events 16 --remote 0.25 --lookahead 0.1 --mean 0.9 --end 10"

median() { sort -g | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }

echo "# $(date -u +%FT%TZ) $(uptime | sed 's/.*load/load/') runs=$runs threads=$threads"
for load in A B; do
    flags=$load_a; [ $load = B ] && flags=$load_b
    declare -A rate=()
    for n in $ranks_list; do
        rates=(); secs=(); rss=""; fp=""
        for ((i = 0; i < runs; i++)); do
            out=$($mpiexec --oversubscribe "${bind[@]}" -n "$n" "$lt_des" bench phold $flags \
                  --threads "$threads" --stats 2>&1)
            line=$(echo "$out" | grep '^events=')
            rates+=("$(echo "$line" | sed -E 's/.*events_per_s=([0-9]+).*/\1/')")
            secs+=("$(echo "$line" | sed -E 's/.*seconds=([0-9.]+).*/\1/')")
            fp=$(echo "$line" | sed -E 's/.*fingerprint=([0-9a-f]+).*/\1/')
            rss=$(echo "$out" | grep -o 'peak_rss_mib=[0-9.]*' | cut -d= -f2 | sort -g | tail -1)
        done
        rate[$n]=$(printf '%s\n' "${rates[@]}" | median)
        printf 'load %s ranks %d: median events_per_s=%.0f median seconds=%.3f peak_rss_mib_per_rank=%s fingerprint=%s (all: %s)\n' \
            "$load" "$n" "${rate[$n]}" "$(printf '%s\n' "${secs[@]}" | median)" "$rss" "$fp" "${rates[*]}"
    done
    if [ -n "${rate[1]:-}" ] && [ -n "${rate[2]:-}" ]; then
        awk -v a="${rate[2]}" -v b="${rate[1]}" -v l="$load" 'BEGIN {printf "load %s: 2 ranks / 1 rank = %.2f\n", l, a / b}'
    fi
    unset rate
done
echo "# done $(uptime | sed 's/.*load/load/')"
