#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# serving_search_ranks.sh [LT_DES]: how the serving plan search scales with the chip budget and
# the ranks. A GPT-3 175B request trace (REQUESTS, default 3000, Poisson at 2 requests/s,
# prompts lognormal median 1000, decode lognormal median 200, clipped to the context) searched
# with `--dry-run --set chips=CHIPS` (default 128) on each rank count of RANKS ("1 2"). Prints
# per rank count the search's own line (plans scored, wall and CPU seconds of this rank), the
# process's wall time and each rank's peak resident memory (GNU time), then checks that every
# rank count wrote the same --search-csv (the whole ranking) and the same dry-run report.
set -euo pipefail
lt=${1:-build/release/src/cli/lt-des}
chips=${CHIPS:-128}
requests=${REQUESTS:-3000}
ranks_list=${RANKS:-"1 2"}
[ -x "$lt" ] || { echo "build $lt first"; exit 2; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$lt" trace gen --model gpt3-175b --requests "$requests" --arrivals poisson:2 \
    --prompt lognormal:1000:1.0 --decode lognormal:200:0.86 --seed 7 -o "$tmp/g.trace" 2>/dev/null
echo "# $(date -u +%FT%TZ) $(uptime | sed 's/.*load/load/') gpt3-175b, $requests requests, chips=$chips"
first=""
for n in $ranks_list; do
    start=$(date +%s.%N)
    mpirun --oversubscribe -n "$n" /usr/bin/time -f "rank peak RSS %M KiB" \
        "$lt" run --trace "$tmp/g.trace" --dry-run --set chips="$chips" \
        --search-csv "$tmp/n$n.csv" > "$tmp/n$n.txt" 2> "$tmp/n$n.err"
    end=$(date +%s.%N)
    echo "n=$n: $(grep -h '^plan search: objective' "$tmp/n$n.txt" | sed 's/.*feasible/feasible/')"
    printf '  process wall %.1f s; %s\n' "$(echo "$end - $start" | bc)" \
        "$(grep -h 'peak RSS' "$tmp/n$n.err" | tr '\n' ' ')"
    # The report without the timing line, to compare across rank counts.
    grep -v '^plan search: objective' "$tmp/n$n.txt" > "$tmp/n$n.report"
    if [ -z "$first" ]; then
        first=$n
    elif cmp -s "$tmp/n$first.csv" "$tmp/n$n.csv" && cmp -s "$tmp/n$first.report" "$tmp/n$n.report"; then
        echo "  ranking and report identical to n=$first"
    else
        echo "  DIFFERENT from n=$first"
        exit 1
    fi
done
echo "# end $(uptime | sed 's/.*load/load/')"
