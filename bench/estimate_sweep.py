#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Throughput of `lt-des estimate --cases`: 10 000 analytic cases in one process.

Usage: bench/estimate_sweep.py [path/to/lt-des] [repeats]
Writes a cases CSV (the 10 built-in archs x 4 models x 250 token counts: deit-b and bert-b
encoders at 1-197 and 1-250 tokens, gpt2 and llama2-7b prefills of 2-500 prompt tokens), runs the sweep
`repeats` times (default 5) and prints the median wall time and cases/s (docs/performance.md).
"""
import os
import statistics
import subprocess
import sys
import tempfile
import time

LTDES = sys.argv[1] if len(sys.argv) > 1 else "build/release/src/cli/lt-des"
REPEATS = int(sys.argv[2]) if len(sys.argv) > 2 else 5
ARCHS = ["Dota_B_4bit", "Dota_B_8bit", "Dota_L_4bit", "Dota_L_8bit", "Bs_mrr_bank_4bit",
         "Bs_mrr_bank_8bit", "Bs_mzi_4bit", "Bs_mzi_8bit", "a100-sxm", "h100-sxm"]
STEPS = 250


def cases_csv(path):
    with open(path, "w") as f:
        f.write("model,arch,tokens,prompt\n")
        for arch in ARCHS:
            for i in range(1, STEPS + 1):
                f.write(f"deit-b,{arch},{1 + (i - 1) % 197},\n")
                f.write(f"bert-b,{arch},{i},\n")
                f.write(f"gpt2,{arch},,{2 * i}\n")
                f.write(f"llama2-7b,{arch},,{2 * i}\n")
    return len(ARCHS) * STEPS * 4


def main():
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "cases.csv")
        n = cases_csv(path)
        times = []
        for _ in range(REPEATS):
            t0 = time.perf_counter()
            out = subprocess.run([LTDES, "estimate", "--cases", path], check=True,
                                 capture_output=True, text=True).stdout
            times.append(time.perf_counter() - t0)
            rows = out.count("\n") - 1
            assert rows == n, f"{rows} rows for {n} cases"
        med = statistics.median(times)
        print(f"estimate --cases: {n} cases, median {med:.3f} s of {REPEATS} runs "
              f"({n / med:.0f} cases/s; min {min(times):.3f} s, max {max(times):.3f} s)")


if __name__ == "__main__":
    main()
