#!/usr/bin/python3
"""collective_compare.py [LT_DES]: the tensor-parallel all-reduce on each topology and algorithm.

gpt2 (traces/gpt2.trace: batch 8, 768-token prompt, 256 generated tokens) and llama2-70b
(generated: batch 8, 512-token prompt, 16 generated tokens; 80 layers make a longer decode slow
to simulate) on one tensor-parallel group of TP chips (default 8; pp 1, dp 1), every other
cluster key at its default. Prints one table per model: TTFT, TPOT, energy per generated token,
its link part, and the link share, for ring (ring all-reduce), ring chunked, ring direct, ring
halving-doubling, torus, fully connected (direct), switch (ring and direct), the optical
broadcast bus (direct all-reduce whose all-gather is one broadcast) and the default, a bus per
tensor group with the ring between groups (here one group: the bus's figures, pp 1 has no ring
traffic). docs/cluster.md quotes it.
Environment: TP (8), MODELS ("gpt2 llama2-70b"), CASES (a comma list of case names).
"""
import os
import re
import subprocess
import sys
import tempfile

LT = sys.argv[1] if len(sys.argv) > 1 else "build/release/src/cli/lt-des"
TP = int(os.environ.get("TP", "8"))
MODELS = os.environ.get("MODELS", "gpt2 llama2-70b").split()

# name -> --set arguments
CASES = [
    ("ring", ["topology=ring", "collective.algorithm=ring"]),
    ("ring chunking 8", ["topology=ring", "collective.algorithm=ring", "collective.chunking=8"]),
    ("ring direct", ["topology=ring", "collective.algorithm=direct"]),
    ("ring halving-doubling", ["topology=ring", "collective.algorithm=halving_doubling"]),
    ("torus (ring)", ["topology=torus", "collective.algorithm=ring"]),
    ("fully connected direct", ["topology=fully_connected", "collective.algorithm=direct"]),
    ("switch ring", ["topology=switch", "collective.algorithm=ring"]),
    ("switch direct", ["topology=switch", "collective.algorithm=direct"]),
    ("bus (broadcast)", ["topology=bus", "collective.algorithm=direct"]),
    ("bus per tp group (default)", ["topology=bus_per_tp"]),
]
if "CASES" in os.environ:
    wanted = os.environ["CASES"].split(",")
    CASES = [c for c in CASES if c[0] in wanted]


def field(text, pattern):
    m = re.search(pattern, text, re.M)
    if not m:
        sys.exit(f"collective_compare: no match for {pattern!r} in:\n{text}")
    return float(m.group(1))


def run(trace, sets, out):
    cmd = [LT, "run", "--trace", trace, "--tp", str(TP), "--timeline", "none", "--out", out,
           "--force"]
    for s in sets:
        cmd += ["--set", s]
    text = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    total_mj = field(text, r"^energy\s+([0-9.e+-]+) J") * 1e3
    link_mj = field(text, r"^\s+link\s+([0-9.e+-]+) mJ")
    per_token = field(text, r"energy_per_generated_token_J\s+([0-9.e+-]+)")
    return {
        "ttft_ms": field(text, r"^TTFT\s+([0-9.e+-]+) ms"),
        "tpot_ms": field(text, r"^TPOT\s+([0-9.e+-]+) ms"),
        "mj_per_token": per_token * 1e3,
        "link_mj_per_token": per_token * 1e3 * link_mj / total_mj,
        "link_share": link_mj / total_mj,
    }


def main():
    with tempfile.TemporaryDirectory() as tmp:
        for model in MODELS:
            if model == "gpt2":
                trace = "traces/gpt2.trace"
                shape = "batch 8, prompt 768, 256 generated"
            else:
                trace = os.path.join(tmp, f"{model}.trace")
                subprocess.run([LT, "trace", "gen", "--model", model, "--prompt", "512",
                                "--decode", "16", "--batch", "8", "-o", trace], check=True,
                               capture_output=True)
                shape = "batch 8, prompt 512, 16 generated"
            print(f"\n{model} ({shape}), tp {TP} x pp 1 x dp 1, DOTA-B 4-bit\n")
            print("| interconnect, all-reduce | TTFT ms | TPOT ms | mJ / token | link mJ / token"
                  " | link share |")
            print("|---|---|---|---|---|---|")
            base = None
            for name, sets in CASES:
                r = run(trace, sets, os.path.join(tmp, "o.h5"))
                base = base or r
                print(f"| {name} | {r['ttft_ms']:.4f} | {r['tpot_ms']:.5f} "
                      f"({100 * (r['tpot_ms'] / base['tpot_ms'] - 1):+.1f} %) | "
                      f"{r['mj_per_token']:.4f} | {r['link_mj_per_token']:.5f} | "
                      f"{100 * r['link_share']:.2f} % |", flush=True)


if __name__ == "__main__":
    main()
