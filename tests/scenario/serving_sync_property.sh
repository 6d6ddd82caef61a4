#!/usr/bin/env bash
# serving_sync_property.sh LT_DES OUT_DIR CASES MPIEXEC...: property test of the serving
# synchronisation (issue 13): the router dispatches ahead of its clock when no completion can
# change its choice, and the replicas of the router's rank run on while the router waits.
# CASES random request streams (load, prompt and decode lengths) and clusters (tp, dp, router,
# scheduler, fidelity, dispatch latency), drawn from a fixed seed so a failure can be
# replayed; each on 1, 2, 3 and 4 ranks. /requests, /iterations and /summary must be identical
# to the 1-rank run.
set -u
lt=$1 dir=$2 cases=$3
shift 3
mpi=("$@")
mkdir -p "$dir"
# shellcheck source=tests/scenario/ranks_agree.sh
. "$(dirname "$0")/ranks_agree.sh"
RANDOM=2113  # fixed: the same cases every run
pick() { local a=("$@"); echo "${a[$((RANDOM % ${#a[@]}))]}"; }
for c in $(seq 1 "$cases"); do
    rate=$(pick 2000 20000 200000)  # requests/s on the tiny model: idle, busy, queueing
    prompt=$(pick uniform:4:40 lognormal:16:1.0)
    decode=$(pick uniform:1:20 lognormal:8:0.8)
    tp=$(pick 1 2)
    dp=$(pick 2 3 4 6)
    router=$(pick least_outstanding least_outstanding_lowest_id least_outstanding)
    sched=$(pick "" "--chunked-prefill --max-batch 8 --max-batched-tokens 24" "--max-batch 2")
    fidelity=$(pick iteration iteration op)
    latency=$(pick 0.1 2 50)
    trace="$dir/case$c.trace"
    "$lt" trace gen --model tiny --requests 120 --arrivals "poisson:$rate" --prompt "$prompt" \
        --decode "$decode" --seed "$c" -o "$trace" >/dev/null 2>&1 ||
        { echo "FAIL: case $c: trace gen"; exit 1; }
    # shellcheck disable=SC2206
    args=(run --trace "$trace" --set "chips=$((tp * dp))" --tp "$tp" --dp "$dp" --router "$router"
          $sched --fidelity "$fidelity" --dispatch-latency "$latency" --force)
    what="case $c: rate $rate, prompt $prompt, decode $decode, tp $tp dp $dp, $router, '$sched', $fidelity, dispatch $latency us"
    ranks_agree "$what" "$dir/case$c" "/requests /iterations /summary"
    echo "ok: $what"
done
echo "ok: $cases random serving cases identical on 1, 2, 3 and 4 ranks"
