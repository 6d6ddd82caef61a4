#!/usr/bin/env bash
# one_chip_vs_estimate.sh LT_DES OUT_DIR TRACE [ARCH]
# Issue 7 validation (a): one chip, one request, no overlap. The run's energy must equal
# `lt-des estimate` within 1e-12 relative, and its makespan must exceed the estimate's latency
# by at least 0 and at most 1 ps per op (docs/units.md).
set -u
lt=$1 dir=$2 trace=$3 arch=${4:-}
mkdir -p "$dir"
csv=$("$lt" estimate --trace "$trace" ${arch:+--arch "$arch"} --format csv 2>/dev/null) \
    || { echo "FAIL: estimate"; exit 1; }
"$lt" run --trace "$trace" ${arch:+--arch "$arch"} --tp 1 --set overlap=false \
    --out "$dir/one_chip.h5" --force \
    >/dev/null || { echo "FAIL: run"; exit 1; }
/usr/bin/python3 - "$dir/one_chip.h5" "$csv" <<'PY'
import sys, h5py
path, csv = sys.argv[1], sys.argv[2]
total = [l for l in csv.splitlines() if l.startswith("total,")][0].split(",")
ops, energy_j, latency_s = int(total[1]), float(total[2]) * 1e-3, float(total[3]) * 1e-3
with h5py.File(path) as f:
    s = f["summary"].attrs
    rows = f["timeline/t_start"].shape[0]
    run_energy, makespan = float(s["energy_J"]), float(s["makespan_s"])
rel = abs(run_energy - energy_j) / energy_j
slack_ps = (makespan - latency_s) * 1e12
print(f"ops {ops} rows {rows} energy rel diff {rel:.3g} makespan - latency {slack_ps:.3f} ps")
assert rows == ops, "one timeline row per op"
assert rel <= 1e-12, "energy differs from estimate"
assert -1e-3 <= slack_ps <= ops + 1e-3, "makespan outside [latency, latency + 1 ps per op]"
print("ok")
PY
