#!/usr/bin/env bash
# full_disk.sh LT_DES MPIEXEC CASE
# A real full disk (docs/robustness.md, "Write failures"): the result goes to a small tmpfs
# mounted in a private mount namespace (`unshare -m`, so the mount vanishes with the test however
# it ends). Exit 77 (CTest: skipped) where a mount namespace or a tmpfs is not allowed. CASE:
#   flush-n1, flush-n2  the tiny trace (a ~0.35 MB result) on a tmpfs of 1 MiB + 128 KiB: the
#                       check before the run passes (it wants 1 MiB free), every data write
#                       fits, the free-space check before the final metadata flush does not (it
#                       wants the cached metadata + 1 MiB, and the written data took more than
#                       128 KiB): "cannot finish the result file (the disk is full …)", and the
#                       unfinished file is removed
#   sizes-n2            traces/gpt2.trace at --pp 2 (a ~1.8 MB result, timeline rows spilled)
#                       on tmpfs sizes from 1 MiB + 64 KiB to 1 MiB + 640 KiB: the disk fills
#                       during the run, at whichever write comes first (spill, data, metadata)
# Always: exit 2 on every rank (each rank's code recorded), one error line, within 60 s, no
# result file, and no `.partial` that claims to be complete.
set -u
lt=$1 mpiexec=$2 case=$3
if [ -z "${LTDES_FULL_DISK_NS:-}" ]; then
    if ! unshare -m true 2>/dev/null; then
        echo "SKIP: no private mount namespace here (unshare -m needs CAP_SYS_ADMIN)"
        exit 77
    fi
    LTDES_FULL_DISK_NS=1 exec unshare -m --propagation private bash "$0" "$@"
fi
root=$(cd "$(dirname "$0")/../.." && pwd)
dir=$(mktemp -d)
trap 'umount "$dir/disk" 2>/dev/null; rm -rf "$dir"' EXIT
mkdir "$dir/disk"
fail() { echo "FAIL ($case): $*"; [ -f "$dir/err" ] && cat "$dir/err"; exit 1; }
args=(run --trace "$root/traces/tiny.trace" --tp 2 --pp 2 --dp 2)
[ "$case" = sizes-n2 ] && args=(run --trace "$root/traces/gpt2.trace" --pp 2)

mount_disk() {  # BYTES
    umount "$dir/disk" 2>/dev/null
    if ! mount -t tmpfs -o "size=$1" tmpfs "$dir/disk" 2>"$dir/err"; then
        echo "SKIP: cannot mount a tmpfs: $(cat "$dir/err")"
        exit 77
    fi
}

# Runs on NP ranks with the result on the tmpfs; each rank writes its exit code to
# $dir/code.<rank> (trapping the SIGTERM mpirun sends when another rank exited first, as in
# rank_fault.sh); a hang is killed after 60 s. Sets code and took.
run_full() {  # NP WHAT
    local np=$1 what=$2 started pid w
    rm -f "$dir"/code.*
    started=$(date +%s.%N)
    "$mpiexec" --oversubscribe -n "$np" bash -c \
        'trap : TERM; "$@"; c=$?; echo $c > "'"$dir"'/code.$OMPI_COMM_WORLD_RANK"; exit $c' \
        _ "$lt" \
        "${args[@]}" --out "$dir/disk/f.h5" >/dev/null 2>"$dir/err" &
    pid=$!
    ( sleep 60; kill -KILL $pid 2>/dev/null ) >/dev/null 2>&1 &
    w=$!
    wait $pid
    code=$?
    kill $w 2>/dev/null
    took=$(echo "$(date +%s.%N) - $started" | bc)
    [ "$(echo "$took < 60" | bc)" -eq 1 ] || fail "$what: hung (killed after $took s)"
    [ $code -eq 2 ] || fail "$what: exit $code, want 2"
    for r in $(seq 0 $((np - 1))); do
        [ "$(cat "$dir/code.$r" 2>/dev/null)" = 2 ] ||
            fail "$what: rank $r exit $(cat "$dir/code.$r" 2>/dev/null)"
    done
    [ "$(grep -c 'lt-des: error: ' "$dir/err")" -eq 1 ] || fail "$what: want one error line"
    [ ! -e "$dir/disk/f.h5" ] || fail "$what: a result file was written"
    if [ -e "$dir/disk/f.h5.partial" ]; then
        /usr/bin/python3 - "$dir/disk/f.h5.partial" <<'PY' || fail "$what: the partial file claims to be complete"
import sys, h5py
try:
    status = h5py.File(sys.argv[1]).attrs.get("status")
except OSError:
    sys.exit(0)  # not readable: claims nothing
assert status != "complete", status
PY
    fi
    ! compgen -G "$dir/disk/.*.spill" >/dev/null || fail "$what: spill files left"
}

mib=1048576
case $case in
flush-n1|flush-n2)
    np=${case#flush-n}
    mount_disk $((mib + 131072))
    run_full "$np" "flush at -n $np"
    grep -q 'cannot finish the result file (the disk is full: [0-9]* bytes free' "$dir/err" ||
        fail "not the free-space check"
    [ ! -e "$dir/disk/f.h5.partial" ] || fail "the unfinished file was not removed"
    echo "ok: a tmpfs of $((mib + 131072)) bytes at -n $np: every rank exit 2 after $took s:" \
        "$(grep 'lt-des: error' "$dir/err")"
    ;;
sizes-n2)
    for bytes in $((mib + 65536)) $((mib + 327680)) $((mib + 655360)); do
        mount_disk "$bytes"
        run_full 2 "a tmpfs of $bytes bytes"
        echo "ok: $bytes bytes: exit 2 on both ranks after $took s: $(grep 'lt-des: error' "$dir/err")"
    done
    ;;
*) fail "unknown case" ;;
esac
