#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""check_estimate_out.py LT_DES: `lt-des estimate --out` against the same estimate's CSV (another
path that must agree): the timeline, per-layer and summary energies equal the CSV total, the
makespan its latency, one timeline row per op instance; plus the --out error cases."""
import csv
import io
import os
import subprocess
import sys
import tempfile

import h5py
import numpy as np

ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")


def expect(cond, msg):
    if not cond:
        sys.exit("check_estimate_out: " + msg)


def close(a, b, rel=1e-9):
    return abs(a - b) <= rel * max(abs(a), abs(b), 1e-300)


def main(lt_des):
    args = ["estimate", "--model", "deit-t", "--format", "csv"]
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "deit.h5")
        r = subprocess.run([lt_des, *args, "--out", out], capture_output=True, text=True, env=ENV)
        expect(r.returncode == 0, f"estimate --out failed: {r.stderr}")
        rows = list(csv.DictReader(io.StringIO(r.stdout)))
        total = rows[-1]
        expect(total["name"] == "total", "CSV has a total row")
        energy_j = float(total["energy_mJ"]) * 1e-3
        latency_s = float(total["latency_ms"]) * 1e-3
        with h5py.File(out, "r") as f:
            expect(f.attrs["status"] == "complete", "status")
            t = f["timeline"]
            expect(t["t_start"].shape[0] == int(total["count"]), "one row per op instance")
            expect(close(float(np.sum(t["energy/total"][:])), energy_j), "timeline energy")
            layers = sum(float(np.sum(f["layers"][p]["energy/total"][:])) for p in f["layers"])
            expect(close(layers, energy_j), "layers energy")
            s = f["summary"].attrs
            expect(close(float(s["energy_J"]), energy_j), "summary energy")
            # Each op's latency rounded up to whole ps, as in the DES: at most 1 ps per op more.
            slack_ps = (float(s["makespan_s"]) - latency_s) * 1e12
            expect(-1e-3 <= slack_ps <= int(total["count"]) + 1e-3,
                   f"summary makespan {slack_ps} ps over the analytical sum")
            expect(np.isnan(s["ttft_s"]), "encoder TTFT is NaN")
            # ops back to back: each starts where the previous ended
            expect(np.array_equal(t["t_start"][1:], t["t_end"][:-1]), "sequential timeline")
        # --out with --compat, a missing folder, an existing file without --force: exit 2.
        for extra, want in [(["--out", out, "--force", "--compat", "hpca24"], "compat"),
                            (["--out", os.path.join(tmp, "nope", "x.h5")], "does not exist"),
                            (["--out", out], "--force")]:
            r = subprocess.run([lt_des, *args, *extra], capture_output=True, text=True, env=ENV)
            expect(r.returncode == 2 and want in r.stderr, f"{extra}: {r.returncode} {r.stderr}")
        r = subprocess.run([lt_des, *args, "--out", out, "--force"], capture_output=True,
                           text=True, env=ENV)
        expect(r.returncode == 0, "--force replaces")
    print("check_estimate_out: ok")


if __name__ == "__main__":
    main(sys.argv[1])
