#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""lt_to_perfetto.py run.h5 -o run.json: an lt-des timeline as Chrome trace-event JSON.

Open the output in https://ui.perfetto.dev (or chrome://tracing): one process per chip, one
thread per resource (cores one thread each), slices named by op (qkv, ffn1, …; the op kind in
files without /timeline/op_names), timestamps in microseconds. --chips, --from/--to
(µs; rows that start in [from, to)) and --max-events keep a huge run loadable. The timeline is
read chip by chip in slices (rows are sorted by chip, then start time), never whole."""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lt_results  # noqa: E402

TOOL = "lt_to_perfetto"
SLICE = 65536


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("file", help="lt-des result file (.h5)")
    p.add_argument("-o", "--out", required=True, help="output JSON file")
    p.add_argument("--chips", help="chips to export, e.g. 0,3-5 (default: all)")
    p.add_argument("--from", dest="t_from", type=float, default=None,
                   help="first start time to export, µs")
    p.add_argument("--to", dest="t_to", type=float, default=None,
                   help="export rows starting before this time, µs")
    p.add_argument("--max-events", type=int, default=1_000_000,
                   help="stop after this many op events (default 1000000)")
    p.add_argument("--allow-incomplete", action="store_true",
                   help="read a file whose status is not complete")
    args = p.parse_args(argv)
    if args.max_events < 1:
        lt_results.die(TOOL, "--max-events must be at least 1")
    if args.t_from is not None and args.t_to is not None and args.t_to <= args.t_from:
        lt_results.die(TOOL, "--to must be after --from")
    try:
        chips_wanted = lt_results.parse_chips(args.chips) if args.chips else None
    except ValueError:
        lt_results.die(TOOL, f"--chips {args.chips!r}: expected a list like 0,3-5")
    f = lt_results.open_result(TOOL, args.file, args.allow_incomplete)
    with f:
        t = f["timeline"]
        res_names = lt_results.enum_names(t["resource"])
        kind_names = lt_results.enum_names(t["op_kind"])
        label_col, labels = lt_results.op_labels(t)
        phase_names = lt_results.enum_names(t["phase"])
        present = lt_results.chips_in(f)
        chips = present if chips_wanted is None else [c for c in chips_wanted if c in present]
        ps_from = None if args.t_from is None else int(round(args.t_from * 1e6))
        ps_to = None if args.t_to is None else int(round(args.t_to * 1e6))
        written = 0
        truncated = False
        try:
            out = open(args.out, "w")
        except OSError as e:
            lt_results.die(TOOL, f"{args.out}: cannot write ({e.strerror})")
        with out:
            out.write('{"displayTimeUnit":"ns","traceEvents":[\n')
            first = True

            def emit(event):
                nonlocal first
                out.write(("" if first else ",\n") + json.dumps(event, separators=(",", ":")))
                first = False

            for chip in chips:
                if truncated:
                    break
                a, b = lt_results.chip_range(f, chip)
                # Within a chip rows are in start order: the window is a binary search away.
                if ps_from is not None:
                    a = lt_results.lower_bound(t["t_start"], a, b, ps_from)
                if ps_to is not None:
                    b = lt_results.lower_bound(t["t_start"], a, b, ps_to)
                if a >= b:
                    continue
                emit({"ph": "M", "name": "process_name", "pid": chip,
                      "args": {"name": f"chip {chip}"}})
                emit({"ph": "M", "name": "process_sort_index", "pid": chip,
                      "args": {"sort_index": chip}})
                threads = set()
                for lo in range(a, b, SLICE):
                    hi = min(b, lo + SLICE)
                    cols = {name: t[name][lo:hi] for name in
                            {"t_start", "t_end", "core", "resource", "op_kind", "phase",
                             "layer", "op_id", "step", "request", label_col}}
                    energy = t["energy/total"][lo:hi]
                    for i in range(hi - lo):
                        if written >= args.max_events:
                            truncated = True
                            break
                        r = int(cols["resource"][i])
                        core = int(cols["core"][i])
                        tid = r * 100000 + core
                        if tid not in threads:
                            threads.add(tid)
                            emit({"ph": "M", "name": "thread_name", "pid": chip, "tid": tid,
                                  "args": {"name": f"{res_names[r]} {core}"}})
                            emit({"ph": "M", "name": "thread_sort_index", "pid": chip,
                                  "tid": tid, "args": {"sort_index": tid}})
                        t0 = int(cols["t_start"][i])
                        emit({"ph": "X", "pid": chip, "tid": tid,
                              "name": labels[int(cols[label_col][i])],
                              "cat": phase_names[int(cols["phase"][i])],
                              "ts": t0 / 1e6, "dur": (int(cols["t_end"][i]) - t0) / 1e6,
                              "args": {"op_id": int(cols["op_id"][i]),
                                       "op_kind": kind_names[int(cols["op_kind"][i])],
                                       "layer": int(cols["layer"][i]),
                                       "step": int(cols["step"][i]),
                                       "request": int(cols["request"][i]),
                                       "energy_J": float(energy[i])}})
                        written += 1
                    if truncated:
                        break
            out.write("\n]}\n")
    if truncated:
        print(f"{TOOL}: stopped after --max-events {args.max_events} events; narrow the export "
              "with --chips or --from/--to", file=sys.stderr)
    print(f"{TOOL}: wrote {written} events of {len(chips)} chip(s) to {args.out}",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
