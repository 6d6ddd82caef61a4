#!/usr/bin/env bash
# run_metadata_static.sh LT_DES OUT_DIR TRACE
# /metadata/inputs records the arch file's SHA-256 (as for the trace), and with static.enabled
# the static energy is one row per chip over [0, makespan] with its own resource (`chip`),
# phase and op kind (`static`), carrying only the `static` component (docs/energy.md).
set -u
lt=$1 dir=$2 trace=$3
mkdir -p "$dir"
arch=configs/arch/Dota_B_4bit.yaml
"$lt" run --trace "$trace" --tp 1 --pp 2 --arch "$arch" --set static.enabled=true \
    --out "$dir/static.h5" --force >/dev/null || { echo "FAIL: run"; exit 1; }
/usr/bin/python3 - "$dir/static.h5" "$arch" "$trace" <<'PY'
import hashlib, sys, h5py, numpy as np
path, arch, trace = sys.argv[1:4]
def text(v):
    return v.decode() if isinstance(v, bytes) else str(v)
with h5py.File(path) as f:
    g = f["metadata/inputs"].attrs
    inputs = {text(r): (text(p), text(s)) for r, p, s in zip(g["role"], g["path"], g["sha256"])}
    for role, file in (("arch", arch), ("trace", trace)):
        want = hashlib.sha256(open(file, "rb").read()).hexdigest()
        assert role in inputs, f"/metadata/inputs has no {role}: {inputs}"
        assert inputs[role][1] == want, f"{role} sha256 {inputs[role][1]} != {want}"
    t = f["timeline"]
    res = h5py.check_enum_dtype(t["resource"].dtype)
    phase = h5py.check_enum_dtype(t["phase"].dtype)
    kind = h5py.check_enum_dtype(t["op_kind"].dtype)
    rows = np.nonzero(t["resource"][:] == res["chip"])[0]
    assert len(rows) == 2, f"one static row per chip, got {len(rows)}"
    makespan_ps = round(float(f["summary"].attrs["makespan_s"]) * 1e12)
    for i in rows:
        assert t["phase"][i] == phase["static"] and t["op_kind"][i] == kind["static"]
        assert t["t_start"][i] == 0 and abs(int(t["t_end"][i]) - makespan_ps) <= 1
        assert t["energy/static"][i] > 0
        assert t["energy/total"][i] == t["energy/static"][i], "only the static component"
    static = float(t["energy/static"][:].sum())
    assert abs(static - float(f["summary"].attrs["energy_static_J"])) <= 1e-12 * static
    assert "static" in f["layers"], "/layers/static"
print("ok")
PY
