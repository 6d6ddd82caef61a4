#!/usr/bin/env bash
# signal_stop.sh LT_DES MPIEXEC CASE
# SIGTERM/SIGINT during a run (docs/robustness.md, "Signals and faults"). CASE:
#   term-n1        SIGTERM to a one-rank run mid-simulation
#   term-n2-rank1  SIGTERM to rank 1 only of a two-rank run (the ranks agree on the stop)
#   int-n2-all     SIGINT to both ranks (what Ctrl-C in a terminal does)
#   usr1-mpirun    SIGUSR1 to mpirun, which forwards it to every rank (what batch jobs send)
#   twice-n1       two SIGTERMs: the second ends the process at once
#   after-run      SIGTERM after the result file is complete (LTDES_FAULT_SELF_SIGNAL)
# A stopped run must exit 128+signal within a few seconds, print one error line, leave
# <out>.partial with status=interrupted, no <out> and no .spill file (the second signal of
# twice-n1 ends at once: its exit code, time and the absence of spill files are checked).
set -u
lt=$1 mpiexec=$2 case=$3
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
out="$dir/sig.h5"
fail() { echo "FAIL ($case): $*"; [ -f "$dir/err" ] && cat "$dir/err"; exit 1; }
# True while some process holds a spill file of this run open. Spill files are unlinked as soon
# as they are created, so they are seen through /proc/<pid>/fd ("... (deleted)"), not the folder.
spilling() { [ -n "$(find /proc/[0-9]*/fd -maxdepth 1 -lname "$dir/.sig.h5.r*.spill (deleted)" -print -quit 2>/dev/null)" ]; }
no_spill_left() {
    ! compgen -G "$dir/*.spill" >/dev/null && ! compgen -G "$dir/.*.spill" >/dev/null \
        || fail "spill files left: $(ls -a "$dir")"
}

if [ "$case" = after-run ]; then
    LTDES_FAULT_SELF_SIGNAL=after_run "$lt" run --trace "$(dirname "$0")/../../traces/tiny.trace" \
        --out "$out" >/dev/null 2>"$dir/err"
    code=$?
    [ $code -eq 0 ] || fail "exit $code, want 0"
    [ -f "$out" ] || fail "no $out"
    /usr/bin/python3 -c "import h5py,sys; f=h5py.File(sys.argv[1]); assert f.attrs['status']=='complete'" "$out" \
        || fail "status is not complete"
    echo "ok: a late SIGTERM leaves the complete file and exit 0"
    exit 0
fi

# A run long enough to be signalled mid-simulation: gpt2, 8 x 768 prompt tokens and 256 decode
# steps on 8 chips with the full timeline (minutes on one core). Its rows overflow the writer's
# in-memory buffer early, so the first spill file proves the kernel is running.
"$lt" trace gen --model gpt2 --prompt 768 --decode 256 --batch 8 -o "$dir/long.trace" >/dev/null \
    || fail "trace gen"
args=(run --trace "$dir/long.trace" --pp 8 --out "$out")
case $case in
    term-n1|twice-n1) "$lt" "${args[@]}" >/dev/null 2>"$dir/err" & ;;
    *) "$mpiexec" --oversubscribe -n 2 "$lt" "${args[@]}" >/dev/null 2>"$dir/err" & ;;
esac
pid=$!
for _ in $(seq 1 600); do
    spilling && break
    kill -0 $pid 2>/dev/null || fail "the run ended before it was signalled"
    sleep 0.1
done
spilling || fail "no spill file after 60 s"

# The lt-des processes: the run itself, or mpirun's children with their MPI rank.
rank_pid() {
    if [ "$1" = self ]; then echo $pid; return; fi
    for p in $(pgrep -P $pid); do
        if tr '\0' '\n' < /proc/$p/environ 2>/dev/null | grep -qx "OMPI_COMM_WORLD_RANK=$1"; then
            echo "$p"
        fi
    done
}
sig=TERM want=143
case $case in
    term-n1) kill -TERM "$(rank_pid self)" ;;
    twice-n1) kill -TERM "$(rank_pid self)"; sleep 0.05; kill -TERM "$(rank_pid self)" ;;
    term-n2-rank1) kill -TERM "$(rank_pid 1)" ;;
    int-n2-all) sig=INT want=130; kill -INT "$(rank_pid 0)" "$(rank_pid 1)" ;;
    usr1-mpirun) sig=USR1 want=138; kill -USR1 $pid ;;
    *) fail "unknown case" ;;
esac
signalled=$(date +%s.%N)
( sleep 30; kill -KILL $pid 2>/dev/null ) >/dev/null 2>&1 &
watchdog=$!
wait $pid
code=$?
kill $watchdog 2>/dev/null
took=$(echo "$(date +%s.%N) - $signalled" | bc)
echo "SIG$sig: exit $code after $took s"
[ $code -eq $want ] || fail "exit $code, want $want"
[ "$(echo "$took < 10" | bc)" -eq 1 ] || fail "took $took s"
[ ! -e "$out" ] || fail "$out exists"
no_spill_left
if [ "$case" = twice-n1 ]; then
    echo "ok: the second signal ended the run at once and left no spill file"
    exit 0
fi
[ "$(grep -c 'lt-des: error: ' "$dir/err")" -eq 1 ] || fail "want one error line"
grep -q "lt-des: error: interrupted by SIG$sig at simulated time" "$dir/err" || fail "message"
/usr/bin/python3 - "$out.partial" "SIG$sig" <<'PY' || fail "partial file"
import sys, h5py
with h5py.File(sys.argv[1]) as f:
    assert f.attrs["status"] == "interrupted", f.attrs["status"]
    assert sys.argv[2] in str(f.attrs["error"]), f.attrs["error"]
PY
echo "ok: $(grep 'lt-des: error' "$dir/err")"
