#!/usr/bin/env bash
# gpt2_ranks.sh [LT_DES] : the issue-13 scaling benchmark. gpt2 (traces/gpt2.trace) on the
# default 64-chip cluster with the plan pinned to tp 4 x pp 4 x dp 4 (the figures' plan; the
# default plan search would choose fewer chips), --timeline layers, 1 thread per rank, on each rank count of RANKS
# ("1 2 4 8"), RUNS times (3); prints per rank count the median of the `ops` line's wall
# seconds (Simulation::run, MPI start-up and file writing excluded), the rounds and windows.
# PARTITION (locality) and EXTRA (extra lt-des flags) are passed through. Note `uptime`.
set -eu
lt=${1:-build/release/src/cli/lt-des}
runs=${RUNS:-3}
ranks_list=${RANKS:-"1 2 4 8"}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
out=$(mktemp -d)
median() { sort -g | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
echo "# $(date -u +%FT%TZ) $(uptime | sed 's/.*load/load/') runs=$runs $lt"
for n in $ranks_list; do
    walls=()
    for ((i = 0; i < runs; i++)); do
        line=$(mpirun --oversubscribe -n "$n" "$lt" --trace traces/gpt2.trace --tp 4 --pp 4 --dp 4 --timeline layers \
            ${PARTITION:+--partition $PARTITION} ${EXTRA:-} --out "$out/g.h5" --force | grep -E '^(ops|sync) ' | tr '\n' ' ')
        walls+=("$(echo "$line" | sed -E 's/.* ([0-9.]+) s wall.*/\1/')")
        rounds=$(echo "$line" | sed -nE 's/.*sync +([0-9]+) rounds.*/\1/p')
        windows=$(echo "$line" | sed -nE 's/.*events in ([0-9]+) windows.*/\1/p')
    done
    echo "n=$n median_wall_s=$(printf '%s\n' "${walls[@]}" | median) runs=[${walls[*]}] rounds=${rounds:-?} windows=$windows"
done
echo "# end $(uptime | sed 's/.*load/load/')"
rm -rf "$out"
