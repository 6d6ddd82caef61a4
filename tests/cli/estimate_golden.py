#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""End-to-end check of `lt-des estimate --compat hpca24`: for every run of
tests/data/golden/totals.csv, the CSV rows and total, and the `--breakdown` file against
modules_energy.csv, within 1e-9 relative (1e-15 absolute floor).

Usage: estimate_golden.py LT_DES SOURCE_DIR
"""
import csv
import io
import os
import subprocess
import sys
import tempfile

LTDES, SRC = sys.argv[1], sys.argv[2]
GOLDEN = os.path.join(SRC, "tests", "data", "golden")
OPS = ["embed", "qkv", "attn", "proj", "FFN1", "FFN2", "head", "others"]


def close(got, want):
    return abs(got - want) <= max(1e-15, 1e-9 * abs(want))


def main():
    failures = 0
    checked = 0
    modules = {}
    with open(os.path.join(GOLDEN, "modules_energy.csv")) as f:
        for r in csv.DictReader(f):
            key = (r["model"], r["tokens"], r["config"], r["optimize_flag"])
            modules.setdefault(key, []).append(r)
    with open(os.path.join(GOLDEN, "totals.csv")) as f, tempfile.TemporaryDirectory() as tmp:
        for g in csv.DictReader(f):
            key = (g["model"], g["tokens"], g["config"], g["optimize_flag"])
            bd = os.path.join(tmp, "bd.csv")
            out = subprocess.run(
                [LTDES, "estimate", "--model", g["model"], "--tokens", g["tokens"], "--arch",
                 g["config"], "--opt", g["optimize_flag"], "--compat", "hpca24", "--format", "csv",
                 "--breakdown", bd], check=True, capture_output=True, text=True).stdout
            rows = {r["name"]: r for r in csv.DictReader(io.StringIO(out))}
            pairs = [(rows["total"], g["energy_mJ"], g["latency_ms"], "total")]
            for op in OPS:
                if g[op + "_energy_mJ"] == "":
                    if op in rows:
                        print(f"FAIL {key} {op}: row present, golden has none")
                        failures += 1
                    continue
                pairs.append((rows[op], g[op + "_energy_mJ"], g[op + "_latency_ms"], op))
            for row, e, t, op in pairs:
                for col, want in (("energy_mJ", e), ("latency_ms", t)):
                    checked += 1
                    if not close(float(row[col]), float(want)):
                        print(f"FAIL {key} {op} {col}: {row[col]} vs {want}")
                        failures += 1
            with open(bd) as b:
                got = {(r["layer"], r["gemm"], r["part"], r["component"]):
                       float(r["energy_mJ_one_instance"]) for r in csv.DictReader(b)}
            for m in modules.get(key, []):
                k = (m["layer"], m["gemm"], m["part"], m["component"])
                checked += 1
                if k not in got or not close(got[k], float(m["energy_mJ_one_instance"])):
                    print(f"FAIL {key} breakdown {k}: {got.get(k)} vs {m['energy_mJ_one_instance']}")
                    failures += 1
    print(f"checked {checked} values, {failures} failures")
    return 1 if failures or checked < 8000 else 0


if __name__ == "__main__":
    sys.exit(main())
