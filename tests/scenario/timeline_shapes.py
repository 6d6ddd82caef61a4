#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""timeline_shapes.py LT_DES TRACE OUT_DIR: m, n, k and op_name of /timeline keep one meaning for
every op kind (docs/output.md): the op's M, N, K of the trace line after sharding, its name from
/timeline/op_names. Expected values come from the trace itself, expanded by `trace gen --flat`
(the same model and workload), not from the simulator:
* `run` at tp 1, pp 1, dp 1 and `estimate --out`: every op row's (m, n, k) is the trace line's
  (M, N, K) — no sharding at all;
* `run` at dp 2 (one of the 2 requests per replica): GEMM rows have m = M / 2 (the batch lives
  in M), BMM rows keep (M, N, K) (the batch lives in `count`, docs/model.md).
Link/bus transfers and the static row have (0, 0, 0)."""
import os
import subprocess
import sys

import h5py

ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")


def fail(msg):
    sys.exit("timeline_shapes: FAIL: " + msg)


def sh(*args):
    r = subprocess.run(list(args), capture_output=True, text=True, env=ENV)
    if r.returncode != 0:
        fail(f"{' '.join(args)}: {r.stderr}")
    return r.stdout


def flat_ops(lt, trace):
    """op id -> (kind, name, M, N, K) from the flat expansion of the trace's model/workload."""
    header = {}
    for line in open(trace):
        if line.startswith(("model ", "workload ")):
            header[line.split()[0]] = dict(kv.split("=") for kv in line.split()[1:])
    model, w = header["model"]["name"], header["workload"]
    text = sh(lt, "trace", "gen", "--model", model, "--prompt", w["prompt"], "--decode",
              w["decode"], "--batch", w["batch"], "--bits", w["bits"], "--flat", "-o", "-")
    ops = {}
    for line in text.splitlines():
        f = line.split()
        if not f or not f[0].isdigit():
            continue
        ops[int(f[0])] = (f[4], f[6], int(f[7]), int(f[8]), int(f[9]))
    return ops


def rows(path):
    with h5py.File(path, "r") as f:
        t = f["timeline"]
        kinds = {v: k for k, v in h5py.check_enum_dtype(t["op_kind"].dtype).items()}
        res = {v: k for k, v in h5py.check_enum_dtype(t["resource"].dtype).items()}
        names = t["op_names"].asstr()[:]
        cols = [t[c][:] for c in ("op_id", "op_kind", "resource", "op_name", "m", "n", "k")]
    return [(int(i), kinds[int(kd)], res[int(r)], str(names[nm]), int(m), int(n), int(k))
            for i, kd, r, nm, m, n, k in zip(*cols)]


def check(path, ops, gemm_m_div=1, label=""):
    bad = []
    seen = set()
    for op_id, kind, res, name, m, n, k in rows(path):
        if res in ("link", "bus", "chip"):
            if (m, n, k) != (0, 0, 0):
                bad.append(f"{res} row of op {op_id}: ({m}, {n}, {k}) != (0, 0, 0)")
            continue
        tkind, tname, M, N, K = ops[op_id]
        want = (M // gemm_m_div if kind == "gemm" else M, N, K)
        if kind != tkind or name != tname or (m, n, k) != want:
            bad.append(f"op {op_id} {kind} {name}: row ({m}, {n}, {k}), trace {tkind} {tname} "
                       f"({M}, {N}, {K}) -> want {want}")
        seen.add(kind)
    if bad:
        fail(f"{label}: {len(bad)} rows deviate, e.g.\n  " + "\n  ".join(bad[:8]))
    print(f"{label}: every row agrees; kinds checked: {', '.join(sorted(seen))}")


def main(lt, trace, out):
    os.makedirs(out, exist_ok=True)
    ops = flat_ops(lt, trace)
    run1 = os.path.join(out, "tp1.h5")
    sh(lt, "run", "--trace", trace, "--tp", "1", "--pp", "1", "--dp", "1", "--out", run1,
       "--force")
    check(run1, ops, label="run tp1 dp1")
    est = os.path.join(out, "estimate.h5")
    sh(lt, "estimate", "--trace", trace, "--out", est, "--force", "--format", "csv")
    check(est, ops, label="estimate --out")
    batch = int(next(l for l in open(trace) if l.startswith("workload ")).split("batch=")[1]
                .split()[0])
    if batch % 2 == 0:
        dp2 = os.path.join(out, "dp2.h5")
        sh(lt, "run", "--trace", trace, "--tp", "1", "--pp", "1", "--dp", "2", "--out", dp2,
           "--force")
        # Only matmul rows have a fixed rule under dp; element-wise ops scale a factor that
        # divides (docs/model.md), so check gemm and bmm rows only.
        ops2 = {i: o for i, o in ops.items() if o[0] in ("gemm", "bmm")}
        path_rows = [r for r in rows(dp2) if r[1] in ("gemm", "bmm")]
        if not path_rows:
            fail("dp 2: no matmul rows")
        bad = [r for r in path_rows
               if (r[4], r[5], r[6]) != ((ops2[r[0]][2] // 2 if r[1] == "gemm" else ops2[r[0]][2]),
                                         ops2[r[0]][3], ops2[r[0]][4])]
        if bad:
            fail(f"run dp2: {len(bad)} matmul rows deviate, e.g. {bad[:4]}")
        print(f"run dp2: {len(path_rows)} matmul rows agree (gemm m = M / 2, bmm unchanged)")
    print("timeline_shapes: ok")


if __name__ == "__main__":
    main(*sys.argv[1:4])
