#!/usr/bin/env bash
# many_chips.sh LTDES SOURCE_DIR CHIPS [lt-des options...]
# Runs the tiny trace on CHIPS chips (dp = CHIPS, one rank) and checks the result file is
# complete with one /summary/chip_utilization value and one /metadata/chips row per chip. Per-chip
# data once went into attributes, which overflow HDF5's 64 KiB object header past ~8000 chips:
# the run then failed at the very end. CTest runs 16 384 chips; 1 048 576 chips (the documented
# maximum; ~50 s and ~2.3 GB) is the same command by hand, figures in docs/robustness.md.
set -eu
ltdes=$1 src=$2 chips=$3
shift 3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
/usr/bin/time -f "many_chips: $chips chips: %e s wall, %M KB max RSS" \
    "$ltdes" --trace "$src/traces/tiny.trace" --tp 1 --pp 1 --dp "$chips" --timeline none \
    --out "$work/run.h5" "$@" >"$work/stdout.txt"
/usr/bin/python3 - "$work/run.h5" "$chips" <<'PY'
import sys
import h5py
path, chips = sys.argv[1], int(sys.argv[2])
with h5py.File(path, "r") as f:
    assert f.attrs["status"] == "complete", f.attrs["status"]
    util = f["summary/chip_utilization"][()]
    assert util.shape == (chips,), util.shape
    assert f["metadata/chips/chip"].shape == (chips,)
    # The tiny trace has 2 requests: replicas 0 and 1 are busy, the others idle (utilization 0).
    assert (util[:2] > 0).all() and (util[2:] == 0).all()
print(f"many_chips: {path}: complete, {chips} chips")
PY
