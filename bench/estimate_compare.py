#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Size of every difference between `lt-des estimate` (default mode) and `--compat hpca24` on
the paper's five workloads, for docs/model.md.

Usage: bench/estimate_compare.py [path/to/lt-des] > table.md
Runs lt-des in both modes (with --breakdown) for each workload and config and prints markdown.
"""
import csv
import io
import os
import subprocess
import sys
import tempfile

LTDES = sys.argv[1] if len(sys.argv) > 1 else "build/release/src/cli/lt-des"
WORKLOADS = [("deit-t", 197), ("deit-s", 197), ("deit-b", 197), ("bert-b", 384), ("bert-l", 320)]
CONFIGS = ["Dota_B_4bit", "Dota_B_8bit", "Bs_mrr_bank_4bit", "Bs_mzi_4bit"]
ELEMENTWISE = {"ln1", "ln2", "softmax", "res1", "res2", "gelu"}


def run(model, tokens, arch, compat):
    with tempfile.TemporaryDirectory() as tmp:
        bd = os.path.join(tmp, "bd.csv")
        cmd = [LTDES, "estimate", "--model", model, "--tokens", str(tokens), "--arch", arch,
               "--format", "csv", "--breakdown", bd]
        if compat:
            cmd += ["--compat", "hpca24"]
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
        rows = {r["name"]: r for r in csv.DictReader(io.StringIO(out))}
        with open(bd) as f:
            breakdown = list(csv.DictReader(f))
    return rows, breakdown


def main():
    print("| workload | config | compat mJ | default mJ | Δ energy | compat ms | default ms | "
          "Δ latency | MZI qkv re-add mJ | attn GB fix mJ | others → per-layer ops mJ | "
          "new ops mJ |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for model, tokens in WORKLOADS:
        for arch in CONFIGS:
            c, cbd = run(model, tokens, arch, True)
            d, dbd = run(model, tokens, arch, False)
            ce, ct = float(c["total"]["energy_mJ"]), float(c["total"]["latency_ms"])
            de, dt = float(d["total"]["energy_mJ"]), float(d["total"]["latency_ms"])
            mult = int(c["qkv"]["count"])
            mzi_readd = float(c["qkv"]["energy_mJ"]) if "attn" not in c else 0.0
            # Attention GB: compat (squared GB2) vs default, times the layer multiplier.
            c_gb = sum(float(r["energy_mJ_one_instance"]) for r in cbd
                       if r["layer"] == "attn" and r["component"] == "GB")
            d_gb = sum(float(r["energy_mJ_one_instance"]) for r in dbd
                       if r["layer"] in ("attn_qk", "attn_sv") and r["component"] == "sram_gb")
            gb_fix = (d_gb - c_gb) * mult if "attn" in c else 0.0
            others = float(c["others"]["energy_mJ"])
            ew = sum(float(d[n]["energy_mJ"]) for n in ELEMENTWISE if n in d)
            new = 0.0
            if model.startswith("bert"):
                new += float(d["tok_embed"]["energy_mJ"])  # embedding lookup (DRAM)
            if "attn" not in c:
                new += float(d["attn_qk"]["energy_mJ"]) + float(d["attn_sv"]["energy_mJ"])
            print(f"| {model}/{tokens} | {arch} | {ce:.6g} | {de:.6g} | {100 * (de - ce) / ce:+.2f} % "
                  f"| {ct:.6g} | {dt:.6g} | {100 * (dt - ct) / ct:+.2f} % | {mzi_readd:.4g} | "
                  f"{gb_fix:+.4g} | {others:.4g} → {ew:.4g} | {new:.4g} |")


if __name__ == "__main__":
    main()
