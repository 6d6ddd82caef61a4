#!/usr/bin/env bash
# sync_property.sh LT_DES OUT_DIR CASES MPIEXEC...: property test of the synchronisation (issue 13).
# CASES random small runs (model, prompt, decode, batch, chips, tp x pp x dp, micro-batches,
# topology, overlap, partition), drawn from a fixed seed so a failure can be replayed; each on
# 1, 2, 3 and 4 ranks. /timeline, /layers and /summary must be identical to the 1-rank run
# whatever the rank count and partition: the kernel's per-rank bounds, local windows and sparse
# exchange may change speed only.
set -u
lt=$1 dir=$2 cases=$3
shift 3
mpi=("$@")
mkdir -p "$dir"
# shellcheck source=tests/scenario/ranks_agree.sh
. "$(dirname "$0")/ranks_agree.sh"
RANDOM=1313  # fixed: the same cases every run
pick() { local a=("$@"); echo "${a[$((RANDOM % ${#a[@]}))]}"; }
for c in $(seq 1 "$cases"); do
    model=$(pick gpt2 gpt3-125m)  # 12 layers: any pp here fits
    prompt=$(pick 4 8 16)
    decode=$(pick 1 2 3)
    batch=$(pick 4 8)
    shape=$(pick "2 2 2" "4 2 1" "1 4 2" "2 1 4" "2 2 1" "1 2 4" "4 1 2")
    read -r tp pp dp <<<"$shape"
    chips=$((tp * pp * dp))
    topology=$(pick ring fully_connected bus)
    overlap=$(pick true false)
    mb=$(pick 1 2)
    [ $((batch / dp)) -ge "$mb" ] || mb=1  # micro-batches <= requests per replica
    partition=$(pick locality block)
    trace="$dir/case$c.trace"
    "$lt" trace gen --model "$model" --prompt "$prompt" --decode "$decode" --batch "$batch" \
        -o "$trace" >/dev/null 2>&1 || { echo "FAIL: case $c: trace gen $model"; exit 1; }
    args=(run --trace "$trace" --set chips=$chips --tp "$tp" --pp "$pp" --dp "$dp"
          --microbatches "$mb" --set topology=$topology --set overlap=$overlap
          --partition "$partition" --timeline full --force)
    what="case $c: $model prompt $prompt decode $decode batch $batch, tp $tp pp $pp dp $dp, mb $mb, $topology, overlap $overlap, $partition"
    ranks_agree "$what" "$dir/case$c" "/timeline /layers /summary"
    echo "ok: $what"
done
echo "ok: $cases random cases identical on 1, 2, 3 and 4 ranks"
