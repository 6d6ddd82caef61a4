#!/usr/bin/env bash
# trace_parse.sh [LT_DES] [BENCH]: streaming-parser benchmark of docs/performance.md "Trace parsing".
# Writes GPT-3 175B traces (batch 8, 2048-token prompt) with 128, 512 and 2048 decode steps in
# the flat form (one op per line: 0.2 M to 2.8 M lines) and the compact form, then parses each
# three times in a fresh process: op lines/s and peak RSS must not depend on the trace length.
set -euo pipefail
lt_des=${1:-build/release/src/cli/lt-des}
bench=${2:-build/release/bench/trace_parse_bench}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
for decode in 128 512 2048; do
    "$lt_des" trace gen --model gpt3-175b --batch 8 --prompt 2048 --decode "$decode" --flat \
        -o "$dir/flat-$decode.trace" 2>/dev/null
    "$lt_des" trace gen --model gpt3-175b --batch 8 --prompt 2048 --decode "$decode" \
        -o "$dir/compact-$decode.trace" 2>/dev/null
done
for form in flat compact; do
    for decode in 128 512 2048; do
        f="$dir/$form-$decode.trace"
        echo "# $form, $decode decode steps, $(wc -l <"$f") lines, $(du -h "$f" | cut -f1)"
        for run in 1 2 3; do
            "$bench" "$f" | sed "s|$dir/||"
        done
    done
done
