#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""check_scripts.py SCRIPTS_DIR FILE.h5: runs lt_report.py and lt_to_perfetto.py on a synthetic
result (tests/support/synthetic_run.hpp) and on files that are not lt-des results, and checks
the outputs against values worked out by hand."""
import json
import os
import shutil
import subprocess
import sys
import tempfile

import h5py

PY = sys.executable


def run(script, *args):
    return subprocess.run([PY, script, *args], capture_output=True, text=True)


def expect(cond, msg):
    if not cond:
        sys.exit("check_scripts: " + msg)


def main(scripts, h5):
    report = os.path.join(scripts, "lt_report.py")
    perfetto = os.path.join(scripts, "lt_to_perfetto.py")
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "report")
        r = run(report, h5, "-o", out, "--max-bars", "20")
        expect(r.returncode == 0, "lt_report failed: " + r.stderr)
        for png in ["layer_energy.png", "energy_breakdown.png"] + \
                [f"gantt_chip{c}.png" for c in range(5)]:
            with open(os.path.join(out, png), "rb") as fh:
                expect(fh.read(8) == b"\x89PNG\r\n\x1a\n", f"{png} is not a PNG")
        summary = open(os.path.join(out, "summary.txt")).read()
        # 105 pJ x (1 + ... + 50) x 5 chips = 669375 pJ = 0.000669375 mJ; 250 rows.
        expect("energy: 0.000669375 mJ" in summary, "summary energy:\n" + summary)
        expect("timeline rows: 250" in summary, "summary rows")
        expect("TTFT: undefined" in summary, "summary TTFT")

        js = os.path.join(tmp, "run.json")
        r = run(perfetto, h5, "-o", js, "--chips", "1,3", "--from", "0.010", "--to", "0.020")
        expect(r.returncode == 0, "lt_to_perfetto failed: " + r.stderr)
        events = json.load(open(js))["traceEvents"]
        ops = sorted((e["pid"], e["args"]["op_id"]) for e in events if e["ph"] == "X")
        # Row j of chip c starts at 1000 j + c ps: [10, 20) ns holds j = 10..19 on each chip.
        expect(ops == [(c, j) for c in (1, 3) for j in range(10, 20)], f"window: {ops}")
        x = next(e for e in events if e["ph"] == "X")
        expect(x["ts"] == 0.010001 and x["dur"] == 0.000501, f"µs timestamps: {x}")  # j=10, c=1
        names = {e["args"]["name"] for e in events if e.get("name") == "process_name"}
        expect(names == {"chip 1", "chip 3"}, f"processes {names}")
        # Slices carry the op's name: row j has op_name j % 4 of [static, qkv, attn_qk, ffn1]
        # (tests/support/synthetic_run.hpp), op_kind j % 14 of the kind list.
        op_names = ["static", "qkv", "attn_qk", "ffn1"]
        slices = [e for e in events if e["ph"] == "X"]
        bad = [e for e in slices if e["name"] != op_names[e["args"]["op_id"] % 4]]
        expect(not bad, f"slice names: {bad[:3]}")
        expect(any(e["name"] == "qkv" for e in slices), "no slice named qkv")
        expect(x["args"]["op_kind"] == "lookup", f"op_kind of row 10: {x}")  # 10 % 14 = lookup

        # A file without op names (lt-des before them) falls back to the op kind.
        old = os.path.join(tmp, "old.h5")
        shutil.copy(h5, old)
        with h5py.File(old, "r+") as fh:
            del fh["timeline/op_names"]
            del fh["timeline/op_name"]
        r = run(perfetto, old, "-o", js, "--chips", "1", "--from", "0.010", "--to", "0.011")
        expect(r.returncode == 0, "lt_to_perfetto on an old file: " + r.stderr)
        slices = [e for e in json.load(open(js))["traceEvents"] if e["ph"] == "X"]
        expect([e["name"] for e in slices] == ["lookup"], f"old-file slices: {slices}")
        r = run(report, old, "-o", os.path.join(tmp, "old_report"))
        expect(r.returncode == 0, "lt_report on an old file: " + r.stderr)

        r = run(perfetto, h5, "-o", js, "--max-events", "7")
        expect(r.returncode == 0 and "stopped after --max-events 7" in r.stderr, r.stderr)
        events = json.load(open(js))["traceEvents"]
        expect(sum(e["ph"] == "X" for e in events) == 7, "--max-events")

        # Files that are not lt-des results: one clear line, exit code 2.
        plain = os.path.join(tmp, "plain.h5")
        with h5py.File(plain, "w") as f:
            f["x"] = [1, 2, 3]
        text = os.path.join(tmp, "notes.txt")
        open(text, "w").write("hello\n")
        failed = os.path.join(tmp, "failed.h5")
        with h5py.File(failed, "w") as f:
            f.attrs["schema"] = "lt-des-result"
            f.attrs["schema_version"] = 1
            f.attrs["status"] = "failed"
            f.attrs["error"] = "chip 3: deadlock"
        for path, want in [(plain, "not an lt-des result"), (text, "not a readable HDF5"),
                           (failed, "not complete"), (os.path.join(tmp, "nope.h5"),
                                                      "not a readable HDF5")]:
            for script, extra in [(report, ["-o", out]), (perfetto, ["-o", js])]:
                r = run(script, path, *extra)
                expect(r.returncode == 2, f"{script} on {path}: exit {r.returncode}")
                expect(want in r.stderr and len(r.stderr.strip().splitlines()) == 1,
                       f"{script} on {path}: stderr {r.stderr!r}")
    print("check_scripts: ok")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
