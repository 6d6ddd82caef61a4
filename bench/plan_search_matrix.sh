#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# plan_search_matrix.sh [LTDES]: the plan-search proof of docs/plan-search.md, the figures of
# docs/performance.md. For gpt2, llama2-7b and mixtral-8x7b on 8, 16 and 64 chips (batch 4,
# 32-token prompt, 4 decode steps) it simulates every plan the search ranks and prints, per
# case, how far the chosen plan is from the best simulated makespan and Spearman's rho between
# the predicted and simulated makespans (bench/plan_search_sweep.py). Exit 1 if a case misses
# 5 % or rho 0.9. Each DES run is one lt-des process (~1-3 s, mostly MPI start-up); a plan
# runs once for all chip budgets (~700 runs), JOBS (default 3) at a time.
set -uo pipefail
ltdes=${1:-build/release/src/cli/lt-des}
python=${PYTHON:-/usr/bin/python3}
here=$(cd "$(dirname "$0")" && pwd)
cache=${CACHE:-$(mktemp --suffix=.json)}  # runs shared by the cases (same plan, same result)
status=0
for model in gpt2 llama2-7b mixtral-8x7b; do
    for chips in 8 16 64; do
        "$python" "$here/plan_search_sweep.py" --ltdes "$ltdes" --model "$model" --chips "$chips" \
            --cache "$cache" --jobs "${JOBS:-3}" ${CSV_DIR:+--csv "$CSV_DIR/$model-$chips.csv"} \
            || status=1
    done
done
exit $status
