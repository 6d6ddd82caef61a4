#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# serving_search_matrix.sh [LTDES]: the serving plan-search proof of docs/plan-search.md. For
# traces/serving-small.trace (llama3-8b, 300 requests at ~6 requests/s) and a heavier generated
# load (300 requests at 40 requests/s, longer prompts) on 8, 16 and 64 chips it simulates the
# search's top 5 and evenly spaced plans down its ranking (24 per case) and prints how far the
# chosen plan is from the best simulated goodput and Spearman's rho of predicted against
# simulated goodput (bench/serving_search_sweep.py). SLOs: TTFT 50 ms, TPOT 2 ms. Exit 1 if a
# case misses 5 % or rho 0.9. JOBS (default 2) DES runs at a time.
set -uo pipefail
ltdes=${1:-build/release/src/cli/lt-des}
python=${PYTHON:-/usr/bin/python3}
here=$(cd "$(dirname "$0")" && pwd)
cache=${CACHE:-$(mktemp --suffix=.json)}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$ltdes" trace gen --model llama3-8b --requests 300 --arrivals poisson:40 \
    --prompt lognormal:1024:0.6 --decode lognormal:128:0.5 --seed 7 -o "$tmp/heavy.trace" \
    >/dev/null || exit 1
status=0
for trace in "$here/../traces/serving-small.trace" "$tmp/heavy.trace"; do
    for chips in 8 16 64; do
        "$python" "$here/serving_search_sweep.py" --ltdes "$ltdes" --trace "$trace" \
            --chips "$chips" --slo-ttft 0.05 --slo-tpot 0.002 --plans 24 --cache "$cache" \
            --jobs "${JOBS:-2}" \
            ${CSV_DIR:+--csv "$CSV_DIR/$(basename "$trace" .trace)-$chips.csv"} || status=1
    done
done
exit $status
