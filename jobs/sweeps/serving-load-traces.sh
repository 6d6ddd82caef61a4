#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Writes the request traces of jobs/sweeps/serving-load.csv: 1 000 gpt2 requests (prompts
# lognormal, median 200, up to 800 tokens; 60 generated, up to 200) arriving as a Poisson stream
# at each offered load, seed 7, so every rate sees the same request lengths in the same order.
#   jobs/sweeps/serving-load-traces.sh [LTDES] [OUTDIR]
# then submit the sweep (jobs/README.md) or run its rows one by one (docs/study-serving-load.md).
set -euo pipefail
LTDES=${1:-${LTDES:-build/release/src/cli/lt-des}}
OUTDIR=${2:-results/serving-load/traces}
mkdir -p "$OUTDIR"
for rate in 250 500 1000 2000 4000 8000 16000 32000; do
    "$LTDES" trace gen --model gpt2 --requests 1000 --arrivals "poisson:$rate" \
        --prompt lognormal:200:0.8:800 --decode lognormal:60:0.8:200 --seed 7 \
        -o "$OUTDIR/gpt2-r$rate.trace"
done
echo "serving-load: traces in $OUTDIR"
