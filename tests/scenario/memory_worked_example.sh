#!/usr/bin/env bash
# memory_worked_example.sh LT_DES OUT_DIR
# The worked example of docs/cluster.md ("Memory"): `tiny`, batch 2, prompt 8, on one DOTA-B
# 4-bit chip (2 MiB of SRAM). All its GEMM weights fit, so they are read from DRAM once; the
# DRAM energy of D decode steps is computed here by hand and must match both `run` (one chip)
# and `estimate --out` within 1e-9, for D = 4 and D = 16.
set -u
lt=$1 dir=$2
mkdir -p "$dir"
for d in 4 16; do
    "$lt" trace gen --model tiny --batch 2 --prompt 8 --decode $d -o "$dir/tiny_d$d.trace" \
        >/dev/null || { echo "FAIL: trace gen"; exit 1; }
    "$lt" run --trace "$dir/tiny_d$d.trace" --tp 1 --pp 1 --dp 1 --out "$dir/run_d$d.h5" --force \
        >/dev/null || { echo "FAIL: run"; exit 1; }
    "$lt" estimate --trace "$dir/tiny_d$d.trace" --out "$dir/est_d$d.h5" --force --format csv \
        >/dev/null || { echo "FAIL: estimate"; exit 1; }
done
/usr/bin/python3 - "$dir" <<'PY'
import sys, h5py
dir = sys.argv[1]
# By hand (docs/cluster.md): DOTA charges DRAM_GB = DRAM = 62.4 pJ per 2-byte access; values
# are 4 bits, so a weight value costs 62.4 / 4 pJ and a byte of a memory op 62.4 / 2 pJ.
weights = 2 * (64 * 192 + 64 * 64 + 64 * 256 + 256 * 64) + 64 * 512   # GEMM values, read once
assert weights == 131072
weight_pj = weights * 0.5 / 2 * 62.4                                     # 2 044 723.2 pJ
def memory_bytes(D):
    prefill = 16 * 64 // 2 + 2 * (16 * 128 // 2)      # embedding rows + KV writes of 16 tokens
    decode = sum(2 * 64 // 2 + 2 * (2 * 128 // 2 + (14 + 2 * s) * 128 // 2)
                 for s in range(1, D + 1))            # rows, KV write and read per layer
    return prefill + decode
expected = {}
for D in (4, 16):
    expected[D] = weight_pj + memory_bytes(D) / 2 * 62.4
assert memory_bytes(4) == 13568 and memory_bytes(16) == 71168
def dram_pj(path):
    with h5py.File(path) as f:
        return sum(float(f["layers"][p]["energy"]["dram"][:].sum()) for p in f["layers"]) * 1e12
for D in (4, 16):
    for kind in ("run", "est"):
        got = dram_pj(f"{dir}/{kind}_d{D}.h5")
        rel = abs(got - expected[D]) / expected[D]
        print(f"D={D} {kind}: DRAM {got:.1f} pJ, by hand {expected[D]:.1f} pJ, rel {rel:.2g}")
        assert rel <= 1e-9, f"{kind} D={D}: DRAM energy differs from the hand calculation"
ratio = expected[16] / expected[4]
print(f"16 decode steps / 4: {ratio:.4f} (docs: 1.73)")
assert abs(ratio - 1.7282) < 1e-3
print("ok")
PY
