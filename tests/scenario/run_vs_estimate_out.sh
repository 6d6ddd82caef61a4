#!/usr/bin/env bash
# run_vs_estimate_out.sh LT_DES OUT_DIR TRACE
# `run` on one chip without overlap and `estimate --out` on the same trace write the same
# /summary, field by field: both go through the run layer's token counts and summary, and both
# round each op's latency up to whole picoseconds. The token counts and TPOT are also checked
# against their definitions (docs/units.md) from the trace header.
set -u
lt=$1 dir=$2 trace=$3
mkdir -p "$dir"
"$lt" run --trace "$trace" --tp 1 --pp 1 --dp 1 --set overlap=false --out "$dir/run.h5" --force \
    >"$dir/run.txt" || { echo "FAIL: run"; exit 1; }
"$lt" estimate --trace "$trace" --out "$dir/estimate.h5" --force --format csv >/dev/null \
    || { echo "FAIL: estimate --out"; exit 1; }
/usr/bin/python3 - "$dir/run.h5" "$dir/estimate.h5" "$trace" "$dir/run.txt" <<'PY'
import math, sys, h5py
run_path, est_path, trace, stdout_path = sys.argv[1:5]
workload = next(l for l in open(trace) if l.startswith("workload "))
w = dict(kv.split("=") for kv in workload.split()[1:])
batch, prompt, decode = int(w["batch"]), int(w["prompt"]), int(w["decode"])
with h5py.File(run_path) as r, h5py.File(est_path) as e:
    rs, es = dict(r["summary"].attrs), dict(e["summary"].attrs)
assert sorted(rs) == sorted(es), f"different /summary fields: {sorted(set(rs) ^ set(es))}"
bad = []
for k in sorted(rs):
    a, b = rs[k], es[k]
    if hasattr(a, "__len__"):
        same = len(a) == len(b) and all(abs(x - y) <= 1e-12 * max(abs(x), 1) for x, y in zip(a, b))
    elif isinstance(a, float) and math.isnan(a):
        same = math.isnan(b)
    else:
        same = abs(float(a) - float(b)) <= 1e-12 * max(abs(float(a)), 1e-30)
    print(f"{k:32s} run {a!s:24s} estimate {b!s:24s} {'ok' if same else 'DIFFERS'}")
    if not same:
        bad.append(k)
assert not bad, f"run and estimate --out differ in {bad}"
# The definitions, from the trace header alone.
assert rs["tokens"] == batch * (prompt + decode), "processed tokens = batch (prompt + decode)"
assert rs["generated_tokens"] == batch * (decode + 1), "generated = batch (decode + 1)"
if decode > 0:
    tpot = (rs["makespan_s"] - rs["ttft_s"]) / decode
    assert abs(rs["tpot_s"] - tpot) <= 1e-15, "TPOT = (makespan - TTFT) / (generated/request - 1)"
per_gen = rs["energy_J"] / rs["generated_tokens"]
assert abs(rs["energy_per_generated_token_J"] - per_gen) <= 1e-12 * per_gen
# stdout prints the same two per-token energies.
text = open(stdout_path).read()
for name in ("energy_per_generated_token_J", "energy_per_processed_token_J"):
    line = next(l for l in text.splitlines() if l.strip().startswith(name))
    printed = float(line.split()[1])
    assert abs(printed - rs[name]) <= 1e-5 * rs[name], f"stdout {name} {printed} vs {rs[name]}"
print("ok")
PY
