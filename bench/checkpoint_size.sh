#!/usr/bin/env bash
# checkpoint_size.sh [LT_DES] : snapshot size and write time (docs/performance.md,
# "Checkpoints"). For gpt2 on the 64-chip cluster (tp 4 x pp 4 x dp 4, --timeline full and
# layers) and traces/serving-small.trace (default plan), on RANKS ranks (1): one plain run and
# one with --checkpoint-every 1/SNAPS of the makespan (SNAPS = 4), RUNS times (3) each;
# CASES picks cases (default "gpt2-64-layers serving-small gpt2-64-full"). Prints the medians of
# the wall time of both (whole command), the snapshots taken, the size of the last one (du: its
# whole folder, the row log of every snapshot included), what the last one wrote itself (rank
# files, manifest and its own part of the log: the older log files are hard links), and
# (checkpointed - plain) / snapshots = the cost of one snapshot. Note `uptime`.
set -eu
lt=${1:-build/release/src/cli/lt-des}
runs=${RUNS:-3}
ranks=${RANKS:-1}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
median() { sort -g | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
wall() { local t0; t0=$(date +%s.%N); "$@" >/dev/null; echo "$(date +%s.%N) - $t0" | bc; }
echo "# $(date -u +%FT%TZ) $(uptime | sed 's/.*load/load/') runs=$runs ranks=$ranks $lt"
printf '%-22s %10s %10s %6s %12s %12s %12s\n' case plain_s ckpt_s snaps last_bytes last_wrote per_snap_s
run_case() {
    local name=$1; shift
    mpirun --oversubscribe -n "$ranks" "$lt" run "$@" --out "$out/r.h5" --force >/dev/null
    local makespan every plain=() ckpt=() n bytes wrote
    makespan=$(/usr/bin/python3 -c "import h5py,sys; print(h5py.File(sys.argv[1])['summary'].attrs['makespan_s'])" "$out/r.h5")
    every=$(/usr/bin/python3 -c "print(repr($makespan / ${SNAPS:-4}))")
    for ((i = 0; i < runs; i++)); do
        plain+=("$(wall mpirun --oversubscribe -n "$ranks" "$lt" run "$@" --out "$out/r.h5" --force)")
        rm -rf "$out/ck"
        ckpt+=("$(wall mpirun --oversubscribe -n "$ranks" "$lt" run "$@" --checkpoint "$out/ck" \
            --checkpoint-every "${every}s" --out "$out/r.h5" --force)")
    done
    n=$(sed 's/snap-//' "$out/ck/latest")
    bytes=$(du -sb "$out/ck/snap-$n" | cut -f1)
    wrote=$(find "$out/ck/snap-$n" -type f \( -name 'rank-*' -o -name manifest -o -name "log-$n-r*" \) \
        -printf '%s\n' | awk '{s += $1} END {print s + 0}')
    local p c
    p=$(printf '%s\n' "${plain[@]}" | median)
    c=$(printf '%s\n' "${ckpt[@]}" | median)
    printf '%-22s %10.3f %10.3f %6d %12d %12d %12.4f\n' "$name" "$p" "$c" "$n" "$bytes" "$wrote" \
        "$(echo "($c - $p) / $n" | bc -l)"
}
for c in ${CASES:-gpt2-64-layers serving-small gpt2-64-full}; do
    case $c in
        gpt2-64-full) run_case "$c" --trace traces/gpt2.trace --tp 4 --pp 4 --dp 4 --timeline full ;;
        gpt2-64-layers) run_case "$c" --trace traces/gpt2.trace --tp 4 --pp 4 --dp 4 --timeline layers ;;
        serving-small) run_case "$c" --trace traces/serving-small.trace ;;
    esac
done
