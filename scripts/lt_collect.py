#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Gather the /summary of many lt-des result files into one CSV table.

    scripts/lt_collect.py results/*.h5 -o sweep.csv

One row per file, in the order given. Every attribute of /summary becomes a column (arrays such
as per-chip utilisation are summarised by their mean and max), plus key root attributes. A file
that is not a finished lt-des result (a `.partial` file, a failed run, an unreadable or foreign
file) still gets a row: its `status` column says why and its numbers are empty. The script
exits 0 whenever it could write the table, so a sweep with failed tasks is still collected.
"""
import argparse
import csv
import sys

ROOT_KEYS = ("status", "error", "software_version", "git_commit", "mpi_size", "threads_per_rank",
             "command_line")


def _text(v):
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    if hasattr(v, "shape") and getattr(v, "shape", ()) == ():
        return _text(v.item())
    return v


def _number_or_text(v):
    v = _text(v)
    if hasattr(v, "__len__") and not isinstance(v, str):
        return None
    return v


def collect_one(path, h5py, numpy):
    row = {"file": path}
    if path.endswith(".partial"):
        row["status"] = "partial"
    try:
        f = h5py.File(path, "r")
    except Exception as e:  # unreadable or not HDF5 at all
        row["status"] = "unreadable"
        row["error"] = str(e).splitlines()[0] if str(e) else type(e).__name__
        return row
    with f:
        if f.attrs.get("schema") is None and "summary" not in f:
            row["status"] = "not-lt-des"
            return row
        for k in ROOT_KEYS:
            if k in f.attrs:
                row[k] = _text(f.attrs[k])
        if path.endswith(".partial") and row.get("status") == "complete":
            row["status"] = "partial"
        row.setdefault("status", "unknown")
        summary = f.get("summary")
        if summary is not None:
            for k, v in summary.attrs.items():
                scalar = _number_or_text(v)
                if scalar is not None:
                    row[k] = scalar
                else:
                    arr = numpy.asarray(v, dtype=float)
                    if arr.size:
                        row[k + "_mean"] = float(arr.mean())
                        row[k + "_max"] = float(arr.max())
    return row


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("files", nargs="+", help="lt-des result files (.h5, .h5.partial)")
    p.add_argument("-o", "--out", default="-", help="CSV file (default: stdout)")
    a = p.parse_args(argv)
    try:
        import h5py
        import numpy
    except ImportError as e:
        print(f"lt_collect: error: {e}; run with /usr/bin/python3 (Debian's python3-h5py)",
              file=sys.stderr)
        return 2
    rows = [collect_one(path, h5py, numpy) for path in a.files]
    columns = ["file", "status"]
    for r in rows:
        for k in r:
            if k not in columns:
                columns.append(k)
    out = sys.stdout if a.out == "-" else open(a.out, "w", newline="")
    try:
        w = csv.DictWriter(out, fieldnames=columns, restval="", lineterminator="\n")
        w.writeheader()
        for r in rows:
            # repr() round-trips floats (docs/units.md); NaN stays "nan".
            w.writerow({k: repr(v) if isinstance(v, float) else v for k, v in r.items()})
    finally:
        if out is not sys.stdout:
            out.close()
    bad = sum(1 for r in rows if r.get("status") != "complete")
    print(f"lt_collect: {len(rows)} file(s), {bad} not complete", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
