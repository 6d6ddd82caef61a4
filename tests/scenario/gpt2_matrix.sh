#!/usr/bin/env bash
# gpt2_matrix.sh LT_DES OUT_DIR MPIEXEC...: issue 7 validation (d) on the GPT-2 model itself.
# A short prompt (32 tokens, 4 decode steps, batch 4) keeps the window count low enough for
# -n 8 on 2 cores; 64 chips, tp 4 x pp 4 x dp 4, pinned (the plan search would pick fewer chips
# and leave most ranks idle).
set -eu
lt=$1 dir=$2
mkdir -p "$dir"
"$lt" trace gen --model gpt2 --prompt 32 --decode 4 --batch 4 -o "$dir/gpt2s.trace" 2>/dev/null
RANKS="2 4 8" exec "$(dirname "$0")/run_h5_matrix.sh" "$@" -- --trace "$dir/gpt2s.trace" --tp 4 --pp 4 --dp 4
