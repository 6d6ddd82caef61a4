#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Regenerates the numbers of docs/study-gpu-vs-photonic.md.

Usage: bench/study_gpu_vs_photonic.py [path/to/lt-des] [workdir]
Makes two llama2-7b request traces (Poisson arrivals, lognormal prompt and decode lengths; a
light load of 200 requests at 10/s and a heavy one of 1000 at 100/s), serves each on 8 and on 2
A100s (configs/cluster/a100-8.yaml) and on 64 DOTA-B 4-bit chips (the built-in cluster, tp 8 x
dp 8 and dp 64), and prints markdown tables from each result's /summary, then the encoder
comparison of `lt-des estimate` (DeiT-B, batch 1) against the paper's measured A100.
"""
import os
import re
import subprocess
import sys

import h5py

LTDES = sys.argv[1] if len(sys.argv) > 1 else "build/release/src/cli/lt-des"
WORK = sys.argv[2] if len(sys.argv) > 2 else "/tmp/ltdes-study-gpu"
LOADS = [("light", 200, 10), ("heavy", 1000, 100)]
A100 = ["--cluster", "configs/cluster/a100-8.yaml"]
SYSTEMS = [
    ("8 x A100 SXM (dp 8)", A100, 8 * 400.0),
    ("2 x A100 SXM (dp 2)", A100 + ["--set", "chips=2", "--set", "plan.dp=2"], 2 * 400.0),
    ("64 x DOTA-B 4-bit (tp 8 x dp 8)", ["--tp", "8", "--dp", "8"], None),
    ("64 x DOTA-B 4-bit (dp 64)", ["--dp", "64"], None),
]
PAPER_A100_DEIT_B = (113.62, 4.37)  # mJ, ms: the paper's measured A100, DeiT-B, batch 1


def run(args):
    return subprocess.run([LTDES] + args, check=True, capture_output=True, text=True).stdout


def dota_b_power_w():
    out = run(["profile", "--arch", "Dota_B_4bit"])
    return float(re.search(r"^total\s+\S+\s+(\S+)", out, re.M).group(1)) * 1e-3


def total(model, arch, extra=()):
    out = run(["estimate", "--model", model, "--arch", arch, "--format", "csv"] + list(extra))
    _, _, e, t = next(l for l in out.splitlines() if l.startswith("total,")).split(",")
    return float(e), float(t)


def main():
    os.makedirs(WORK, exist_ok=True)
    dota_w = 64 * dota_b_power_w()
    print(f"Power budgets: A100 SXM 400 W TDP each; DOTA-B 4-bit {dota_w / 64:.2f} W peak each "
          f"(lt-des profile), 64 chips = {dota_w:.0f} W (chips only, no HBM)\n")
    for load, n, rate in LOADS:
        trace = os.path.join(WORK, f"llama2-7b-{load}.trace")
        run(["trace", "gen", "--model", "llama2-7b", "--requests", str(n), "--arrivals",
             f"poisson:{rate}", "--prompt", "lognormal:512:0.8:2048", "--decode",
             "lognormal:128:0.8:512", "--seed", "1", "-o", trace])
        print(f"### {load} load: {n} requests, Poisson {rate}/s, prompt lognormal(512, 0.8) "
              f"<= 2048, decode lognormal(128, 0.8) <= 512\n")
        print("| system | power W | throughput tok/s | p99 TTFT ms | mean TPOT ms | "
              "energy/token mJ | DRAM share | EDP per request J·s |")
        print("|---|---|---|---|---|---|---|---|")
        for i, (name, args, power) in enumerate(SYSTEMS):
            out = os.path.join(WORK, f"{load}-{i}.h5")
            run(["--trace", trace, "--out", out, "--force"] + args)
            with h5py.File(out) as f:
                s = dict(f["summary"].attrs)
            edp = s["energy_per_request_J"] * s["e2e_mean_s"]
            p = power if power is not None else dota_w
            print(f"| {name} | {p:.0f} | {s['throughput_tps']:.0f} | "
                  f"{s['ttft_p99_s'] * 1e3:.2f} | {s['tpot_mean_s'] * 1e3:.3f} | "
                  f"{s['energy_per_generated_token_J'] * 1e3:.1f} | "
                  f"{100 * s['energy_dram_J'] / s['energy_J']:.0f} % | {edp:.4g} |")
        print()
    print("### Encoder, batch 1 (lt-des estimate)\n")
    print("| model | system | energy mJ | latency ms | EDP mJ·ms | A100 EDP / this |")
    print("|---|---|---|---|---|---|")
    for model in ["deit-t", "deit-b", "bert-b"]:
        extra = ["--tokens", "384"] if model == "bert-b" else []
        ga, gt = total(model, "a100-sxm", extra)
        rows = [("A100 SXM (roofline)", ga, gt)]
        if model == "deit-b":
            rows.append(("A100 (paper, measured)", *PAPER_A100_DEIT_B))
        for arch in ["Dota_B_4bit", "Dota_B_8bit"]:
            rows.append((arch, *total(model, arch, extra)))
        paper_edp = PAPER_A100_DEIT_B[0] * PAPER_A100_DEIT_B[1]
        for sysname, e, t in rows:
            ratio = f"{ga * gt / (e * t):.1f}"
            if model == "deit-b":
                ratio += f" (paper's A100: {paper_edp / (e * t):.0f})"
            print(f"| {model} | {sysname} | {e:.4g} | {t:.4g} | {e * t:.4g} | {ratio} |")


if __name__ == "__main__":
    main()
