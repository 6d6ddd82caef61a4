#!/usr/bin/env bash
# rank_fault.sh LT_DES MPIEXEC CASE
# Faults during a run (docs/robustness.md, "Signals and faults"). CASE:
#   h5-write-n1   an HDF5 data write fails (LTDES_FAULT_H5_WRITE=0, as on a full disk), one rank
#   h5-write-n2   the same on rank 1 of two: no deadlock in the collective writes or H5Fclose
#   kill-n2       rank 1 of two is killed with SIGKILL mid-run: the job ends (Open MPI's own
#                 detection), no file claims to be complete, and no spill file is left
# Every rank's exit code is recorded by a wrapper; a hang is caught by a 60 s watchdog.
set -u
lt=$1 mpiexec=$2 case=$3
root=$(cd "$(dirname "$0")/../.." && pwd)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
out="$dir/f.h5"
fail() { echo "FAIL ($case): $*"; [ -f "$dir/err" ] && cat "$dir/err"; exit 1; }
# True while some process holds a spill file of this run open (they are unlinked at creation).
spilling() { [ -n "$(find /proc/[0-9]*/fd -maxdepth 1 -lname "$dir/.f.h5.r*.spill (deleted)" -print -quit 2>/dev/null)" ]; }

# Runs lt-des under mpirun with NP ranks; each rank writes its exit code to $dir/code.<rank>.
# When one rank exits non-zero, mpirun terminates the others' wrappers (SIGTERM): a wrapper
# whose lt-des has just exited must still record its code, so it traps the signal (a handler,
# not an ignore, so lt-des itself starts with the default action).
wrapped() {
    local np=$1
    shift
    "$mpiexec" --oversubscribe -n "$np" bash -c \
        'trap : TERM; "$@"; c=$?; echo $c > "'"$dir"'/code.$OMPI_COMM_WORLD_RANK"; exit $c' \
        _ "$lt" "$@"
}
watch() {  # waits for $1 at most 60 s; sets code and took
    local started
    started=$(date +%s.%N)
    ( sleep 60; kill -KILL "$1" 2>/dev/null ) >/dev/null 2>&1 &
    local w=$!
    wait "$1"
    code=$?
    kill $w 2>/dev/null
    took=$(echo "$(date +%s.%N) - $started" | bc)
}

case $case in
h5-write-n1|h5-write-n2)
    np=1 bad=0
    [ "$case" = h5-write-n2 ] && np=2 bad=1
    LTDES_FAULT_H5_WRITE=$bad wrapped $np run --trace "$root/traces/tiny.trace" --pp 2 \
        --out "$out" >/dev/null 2>"$dir/err" &
    watch $!
    echo "exit $code after $took s"
    [ $code -eq 2 ] || fail "exit $code, want 2"
    for r in $(seq 0 $((np - 1))); do
        [ "$(cat "$dir/code.$r" 2>/dev/null)" = 2 ] || fail "rank $r exit $(cat "$dir/code.$r" 2>/dev/null)"
    done
    [ "$(grep -c 'lt-des: error: ' "$dir/err")" -eq 1 ] || fail "want one error line"
    grep -q 'injected by LTDES_FAULT_H5_WRITE' "$dir/err" || fail "not the write error"
    [ ! -e "$out" ] || fail "$out exists"
    /usr/bin/python3 - "$out.partial" <<'PY' || fail "partial file"
import os, sys, h5py
if os.path.exists(sys.argv[1]):
    with h5py.File(sys.argv[1]) as f:
        assert f.attrs["status"] == "failed", f.attrs["status"]
        assert "LTDES_FAULT_H5_WRITE" in str(f.attrs["error"]), f.attrs["error"]
PY
    echo "ok: every rank exit 2: $(grep 'lt-des: error' "$dir/err")"
    ;;
kill-n2)
    "$lt" trace gen --model gpt2 --prompt 768 --decode 256 --batch 8 -o "$dir/long.trace" \
        >/dev/null || fail "trace gen"
    "$mpiexec" --oversubscribe -n 2 "$lt" run --trace "$dir/long.trace" --pp 8 --out "$out" \
        >/dev/null 2>"$dir/err" &
    pid=$!
    for _ in $(seq 1 600); do
        spilling && break
        kill -0 $pid 2>/dev/null || fail "the run ended before the kill"
        sleep 0.1
    done
    victim=
    for p in $(pgrep -P $pid); do
        tr '\0' '\n' < /proc/$p/environ 2>/dev/null | grep -qx OMPI_COMM_WORLD_RANK=1 && victim=$p
    done
    [ -n "$victim" ] || fail "rank 1 not found"
    kill -KILL "$victim"
    watch $pid
    echo "SIGKILL to rank 1: mpirun exit $code after $took s"
    [ $code -ne 0 ] || fail "exit 0"
    [ "$(echo "$took < 30" | bc)" -eq 1 ] || fail "took $took s"
    [ ! -e "$out" ] || fail "$out exists"
    if [ -e "$out.partial" ]; then
        /usr/bin/python3 - "$out.partial" <<'PY' || fail "$out.partial claims to be complete"
import sys, h5py
try:
    status = h5py.File(sys.argv[1]).attrs.get("status")
except OSError:
    sys.exit(0)  # not readable: claims nothing
assert status != "complete", status
PY
    fi
    ! compgen -G "$dir/.*.spill" >/dev/null || fail "spill files left: $(ls -A "$dir")"
    echo "ok: the job ended; left: $(ls -A "$dir" | tr '\n' ' ')"
    ;;
*) fail "unknown case" ;;
esac
