#!/usr/bin/env bash
# spill_fault.sh MPIEXEC LT_DES OUT_DIR TRACE
# A failure while draining timeline rows to the spill during the run (here injected on rank 1
# only with LTDES_FAULT_SPILL_WRITE=1, as a full disk would) stops every rank with that error:
# (two pipeline stages, one chip per rank) exit 2, one error line from rank 0, no result file, `<out>.partial` marked failed. A hang is
# caught by the test's timeout.
set -u
mpiexec=$1 lt=$2 dir=$3 trace=$4
mkdir -p "$dir"
out="$dir/fault.h5"
rm -f "$out" "$out.partial"
err=$("$mpiexec" --oversubscribe -n 2 -x LTDES_FAULT_SPILL_WRITE=1 "$lt" run --trace "$trace" --pp 2 --out "$out" \
      --force 2>&1 >/dev/null)
code=$?
echo "exit $code: $err"
[ $code -eq 2 ] || { echo "FAIL: exit $code, want 2"; exit 1; }
[ "$(printf '%s\n' "$err" | grep -c 'lt-des: error:')" -eq 1 ] || { echo "FAIL: want one error line"; exit 1; }
printf '%s\n' "$err" | grep -q 'cannot write a spill file' || { echo "FAIL: not the spill error"; exit 1; }
[ ! -e "$out" ] || { echo "FAIL: $out exists"; exit 1; }
/usr/bin/python3 - "$out.partial" <<'PY' || exit 1
import sys, h5py
with h5py.File(sys.argv[1]) as f:
    assert f.attrs["status"] == "failed", f.attrs["status"]
    assert "spill" in str(f.attrs["error"]), f.attrs["error"]
print("ok")
PY
