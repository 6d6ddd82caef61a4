#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""lt_report.py run.h5 -o report/: plots and a text summary of an lt-des result file.

lt_report.py --sweep sweep.csv -o report/ plots a sweep collected by lt_collect.py instead:
sweep.png, energy_per_generated_token_J (energy_J / generated_tokens) against time per output
token, one point per complete run.

Writes layer_energy.png (energy per layer stacked by component, one panel per phase),
energy_breakdown.png (whole run by component), gantt_chip<k>.png (the timeline of chip k, at
most --max-bars bars sampled evenly) and summary.txt. A run of a request trace also gets
latency_cdf.png, queue_throughput.png and serving_timeline.csv, and a sweep of serving runs
load_sweep.png and load_sweep.csv (p99 TTFT against offered load): see lt_serving_plots.py. Reads /layers and /summary whole (they are
small) and the timeline only in sampled slices, so multi-million-row files are fine.
Needs h5py, numpy and matplotlib (Debian: python3-h5py python3-numpy python3-matplotlib)."""
import argparse
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lt_results  # noqa: E402
import lt_serving_plots  # noqa: E402

TOOL = "lt_report"


def components(f):
    return [str(c) for c in f["metadata/enums"].attrs["energy_component"]]


def phases_in(f):
    """Phases present in /layers, in enum order (encoder, prefill, decode)."""
    order = [str(p) for p in f["metadata/enums"].attrs["phase"]]
    return [p for p in order if p in f["layers"]]


def plot_layers(f, plt, np, out):
    phases = phases_in(f)
    comps = components(f)
    fig, axes = plt.subplots(len(phases) or 1, 1, figsize=(10, 3.2 * max(len(phases), 1)),
                             squeeze=False)
    for ax, phase in zip(axes[:, 0], phases):
        g = f["layers"][phase]
        layers = g["layer"][:]
        x = np.arange(len(layers))
        bottom = np.zeros(len(layers))
        cmap = plt.get_cmap("tab20")  # 14 components: one distinct colour each
        for i, comp in enumerate(comps):
            v = g["energy"][comp][:] * 1e3  # J -> mJ
            if np.any(v > 0):
                ax.bar(x, v, bottom=bottom, label=comp, width=0.85, color=cmap(i % 20))
                bottom += v
        ax.set_xticks(x, [("outside" if l < 0 else str(l)) for l in layers],
                      fontsize=7, rotation=90 if len(layers) > 24 else 0)
        ax.set_ylabel("energy (mJ)")
        ax.set_title(f"{phase}: energy per layer" + (" (decode steps summed)"
                                                     if phase == "decode" else ""))
    if phases:
        axes[0, 0].legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    axes[-1, 0].set_xlabel("layer")
    fig.tight_layout()
    fig.savefig(os.path.join(out, "layer_energy.png"), dpi=110)
    plt.close(fig)


def plot_breakdown(f, plt, np, out):
    s = f["summary"].attrs
    comps = components(f)
    values = np.array([float(s[f"energy_{c}_J"]) * 1e3 for c in comps])
    fig, ax = plt.subplots(figsize=(8, 4))
    ax.barh(comps[::-1], values[::-1])
    total = float(s["energy_J"]) * 1e3
    ax.set_xlabel("energy (mJ)")
    ax.set_title(f"energy by component, total {total:.6g} mJ")
    for i, v in enumerate(values[::-1]):
        if total > 0 and v > 0:
            ax.text(v, i, f" {100 * v / total:.1f}%", va="center", fontsize=7)
    fig.tight_layout()
    fig.savefig(os.path.join(out, "energy_breakdown.png"), dpi=110)
    plt.close(fig)


def plot_gantt(f, plt, np, out, chip, max_bars):
    t = f["timeline"]
    a, b = lt_results.chip_range(f, chip)
    n = b - a
    if n == 0:
        return 0
    step = max(1, math.ceil(n / max_bars))
    sl = slice(a, b, step)  # an h5py strided read: only the sampled rows are read
    t0 = t["t_start"][sl] / 1e6  # ps -> µs
    t1 = t["t_end"][sl] / 1e6
    res = t["resource"][sl]
    core = t["core"][sl]
    label_col, kind_names = lt_results.op_labels(t)  # op names (qkv, ffn1, …) or kinds
    kind = t[label_col][sl]
    res_names = lt_results.enum_names(t["resource"])
    lanes = sorted(set(zip(res.tolist(), core.tolist())))
    lane_of = {lane: i for i, lane in enumerate(lanes)}
    y = np.fromiter((lane_of[rc] for rc in zip(res.tolist(), core.tolist())), dtype=float,
                    count=len(res))
    cmap = plt.get_cmap("tab20")
    fig, ax = plt.subplots(figsize=(12, 1.0 + 0.35 * len(lanes)))
    # One LineCollection (thick horizontal segments) instead of a Rectangle per bar: matplotlib
    # draws 20,000 bars in well under a second this way, and in minutes with barh.
    # Ops shorter than a pixel would vanish: draw each at least ~1 pixel wide.
    min_len = (max(float(t1.max()) - float(t0.min()), 1e-12)) / 1200
    t1 = np.maximum(t1, t0 + min_len)
    ax.hlines(y, t0, t1, colors=cmap(kind.astype(int) % 20), linewidth=14)
    ax.set_ylim(-0.6, len(lanes) - 0.4)
    ax.set_yticks(range(len(lanes)),
                  [f"{res_names[r]} {c}" for r, c in lanes], fontsize=7)
    ax.set_xlabel("simulated time (µs)")
    title = f"chip {chip}: {n} rows"
    if step > 1:
        title += f" (every {step}th shown)"
    ax.set_title(title)
    used = sorted(set(int(k) for k in kind))
    handles = [plt.Rectangle((0, 0), 1, 1, color=cmap(k % 20)) for k in used]
    ax.legend(handles, [kind_names[k] for k in used], fontsize=7, loc="upper left",
              bbox_to_anchor=(1.0, 1.0))
    fig.tight_layout()
    fig.savefig(os.path.join(out, f"gantt_chip{chip}.png"), dpi=110)
    plt.close(fig)
    return n


def fmt_seconds(v):
    return "undefined" if math.isnan(v) else f"{v * 1e3:.6g} ms"


def write_summary(f, np, out, extra=()):
    s = f["summary"].attrs
    a = f.attrs
    lines = [
        f"lt-des result {a['schema']} v{a['schema_version']}, lt-des {a['software_version']} "
        f"({a['git_commit']}), created {a['created']}",
        f"command: {a['command_line']}",
        f"ranks: {a['mpi_size']}, threads per rank: {a['threads_per_rank']}",
        f"timeline rows: {f['timeline/t_start'].shape[0]}",
        f"makespan: {fmt_seconds(float(s['makespan_s']))}",
        f"TTFT: {fmt_seconds(float(s['ttft_s']))}",
        f"TPOT: {fmt_seconds(float(s['tpot_s']))}",
        f"tokens: {s['tokens']} (generated {s['generated_tokens']})",
        f"energy: {float(s['energy_J']) * 1e3:.6g} mJ",
        f"energy_per_generated_token_J: {float(s['energy_per_generated_token_J']):.6g}",
        f"energy_per_processed_token_J: {float(s['energy_per_processed_token_J']):.6g}",
    ]
    # A dataset since per-chip data outgrew attributes (older files: an attribute).
    util = np.asarray(f["summary/chip_utilization"][()] if "chip_utilization" in f["summary"]
                      else s["chip_utilization"])
    if util.size:
        lines.append(f"chip utilization: mean {util.mean():.3f}, min {util.min():.3f}, "
                     f"max {util.max():.3f} over {util.size} chips")
    if "moe" in f:  # expert parallelism: per-chip expert tokens and the summary figures
        tokens = np.asarray(f["moe/expert_tokens"][()])
        lines.append(f"moe: {int(s['moe_expert_tokens'])} expert tokens, load imbalance "
                     f"{float(s['moe_load_imbalance']):.3f} (max/mean per chip), "
                     f"{int(s['moe_tokens_dropped'])} dropped, "
                     f"{int(s['moe_all_to_all_bytes'])} all-to-all bytes")
        lines.append("expert tokens per chip: " + " ".join(str(int(t)) for t in tokens[:64])
                     + (" ..." if tokens.size > 64 else ""))
    lines.append("energy by component (mJ):")
    for c in components(f):
        lines.append(f"  {c:10s} {float(s[f'energy_{c}_J']) * 1e3:.6g}")
    for phase in phases_in(f):
        g = f["layers"][phase]
        lines.append(f"{phase}: {g['layer'].shape[0]} layers, {int(g['op_count'][:].sum())} ops, "
                     f"{float(g['energy/total'][:].sum()) * 1e3:.6g} mJ")
    lines.extend(extra)
    text = "\n".join(lines) + "\n"
    with open(os.path.join(out, "summary.txt"), "w") as fh:
        fh.write(text)
    return text


def plot_sweep(csv_path, plt, out):
    """One point per complete run of an lt_collect.py table; returns the number plotted."""
    import csv

    try:
        with open(csv_path, newline="") as fh:
            rows = list(csv.DictReader(fh))
    except OSError as e:
        lt_results.die(TOOL, f"{csv_path}: {e.strerror}")
    needed = ("status", "tpot_s", "energy_per_generated_token_J")
    if rows and any(k not in rows[0] for k in needed):
        lt_results.die(TOOL, f"{csv_path}: not an lt_collect.py table (needs columns "
                             f"{', '.join(needed)})")
    points = []
    for r in rows:
        try:
            # Serving studies compare energy per generated token (docs/units.md).
            x = float(r["tpot_s"]) * 1e6
            y = float(r["energy_per_generated_token_J"]) * 1e3
        except (ValueError, ZeroDivisionError):
            continue
        if r["status"] == "complete" and math.isfinite(x) and math.isfinite(y):
            points.append((x, y, os.path.splitext(os.path.basename(r["file"]))[0]))
    fig, ax = plt.subplots(figsize=(8, 5))
    ax.scatter([p[0] for p in points], [p[1] for p in points])
    for x, y, label in points:
        ax.annotate(label, (x, y), fontsize=6, xytext=(3, 3), textcoords="offset points")
    ax.set_xlabel("time per output token (µs)")
    ax.set_ylabel("energy per generated token (mJ)")
    ax.set_title(f"{len(points)} complete run(s) of {len(rows)}")
    fig.tight_layout()
    fig.savefig(os.path.join(out, "sweep.png"), dpi=120)
    plt.close(fig)
    if rows and "offered_load_rps" in rows[0]:
        lt_serving_plots.plot_sweep(rows, plt, out)
    return len(points)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("file", nargs="?", help="lt-des result file (.h5)")
    p.add_argument("--sweep", help="plot an lt_collect.py CSV instead of one result file")
    p.add_argument("-o", "--out", required=True, help="report folder (created if missing)")
    p.add_argument("--chips", help="chips to draw a Gantt chart for, e.g. 0,3-5 "
                                   "(default: the first 8 chips)")
    p.add_argument("--max-bars", type=int, default=20000,
                   help="most bars per Gantt chart; more rows are sampled evenly")
    p.add_argument("--bins", type=int, default=50,
                   help="time bins of queue_throughput.png (runs of request traces)")
    p.add_argument("--allow-incomplete", action="store_true",
                   help="read a file whose status is not complete")
    args = p.parse_args(argv)
    if (args.file is None) == (args.sweep is None):
        p.error("give either a result file or --sweep CSV")
    f = None if args.sweep else lt_results.open_result(TOOL, args.file, args.allow_incomplete)
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        import numpy as np
    except ImportError as e:
        lt_results.die(TOOL, f"needs numpy and matplotlib ({e})")
    if os.path.exists(args.out) and not os.path.isdir(args.out):
        lt_results.die(TOOL, f"{args.out}: exists and is not a folder")
    os.makedirs(args.out, exist_ok=True)
    if args.sweep:
        n = plot_sweep(args.sweep, plt, args.out)
        print(f"sweep: {n} point(s) in {os.path.join(args.out, 'sweep.png')}")
        if os.path.exists(os.path.join(args.out, "load_sweep.csv")):
            print(f"load sweep: {os.path.join(args.out, 'load_sweep.png')}")
        return 0
    with f:
        plot_layers(f, plt, np, args.out)
        plot_breakdown(f, plt, np, args.out)
        chips = lt_results.parse_chips(args.chips) if args.chips else None
        if chips is None:
            chips = lt_results.chips_in(f)[:8]
        for chip in chips:
            plot_gantt(f, plt, np, args.out, chip, args.max_bars)
        extra = (lt_serving_plots.plot_result(f, plt, np, args.out, max(1, args.bins))
                 if lt_serving_plots.is_serving(f) else [])
        sys.stdout.write(write_summary(f, np, args.out, extra))
    return 0


if __name__ == "__main__":
    sys.exit(main())
