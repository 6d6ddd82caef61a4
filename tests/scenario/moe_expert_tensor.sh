#!/usr/bin/env bash
# moe_expert_tensor.sh LT_DES OUT_DIR
# Expert parallelism with tensor parallelism (docs/cluster.md, "Expert parallelism"): a tiny
# Mixtral-style model (tests/data/hf/tiny-moe.json: 2 layers, d_model 64, d_ff 128, 8 experts,
# top 2), batch 8, prompt 4 and no decode step (each expert matrix is used once, so the dense
# run's SRAM-resident weights cost what the ep run's streamed ones do), 4-bit arch.
#  1. dense tensor-sliced (--tp 2) vs --tp 2 --dp 4 --ep 4 with round_robin routing and no
#     capacity limit: every expert computes the rows of the dense run, column-sliced the same
#     way, so the expert-FFN compute energy (cores and DRAM rows of ffn1.eN … ffn2.eN) is equal
#     within 1e-9 relative, and each expert GEMM row on a chip has the dense run's slice shape;
#  2. closed form of the all-to-all bytes, by hand (below);
#  3. the ep run on 3 MPI ranks gives the same /summary and /moe.
set -u
lt=$1 dir=$2
mkdir -p "$dir"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
repo=$(cd "$(dirname "$0")/../.." && pwd)
trace="$dir/tiny-moe.trace"
"$lt" trace gen --hf-config "$repo/tests/data/hf/tiny-moe.json" --batch 8 --prompt 4 --decode 0 \
    -o "$trace" >/dev/null || { echo "FAIL: trace gen"; exit 1; }
run() {  # run NAME ARGS...
    local name=$1
    shift
    "$lt" run --trace "$trace" --out "$dir/$name.h5" --force "$@" >"$dir/$name.txt" 2>&1 ||
        { echo "FAIL: run $name"; cat "$dir/$name.txt"; exit 1; }
}
run dense_tp --tp 2
run ep_tp --tp 2 --dp 4 --ep 4 --moe-routing round_robin
mpirun --oversubscribe -n 3 "$lt" run --trace "$trace" --out "$dir/ep_tp_n3.h5" --force \
    --tp 2 --dp 4 --ep 4 --moe-routing round_robin >"$dir/ep_tp_n3.txt" 2>&1 ||
    { echo "FAIL: mpirun -n 3"; cat "$dir/ep_tp_n3.txt"; exit 1; }
/usr/bin/python3 - "$dir" <<'PY'
import re, sys, h5py, numpy as np
d = sys.argv[1]
expert = re.compile(r"\.e\d+$")
def expert_rows(path):
    with h5py.File(path) as f:
        t = f["timeline"]
        names = t["op_names"].asstr()[:]
        kinds = h5py.check_enum_dtype(t["resource"].dtype)
        link = [kinds["link"], kinds["bus"]]
        is_expert = np.array([bool(expert.search(n)) for n in names])
        rows = is_expert[t["op_name"][:]] & ~np.isin(t["resource"][:], link)
        shapes = {(names[i], int(n), int(k)) for i, n, k in
                  zip(t["op_name"][:][rows], t["n"][:][rows], t["k"][:][rows])}
        return float(t["energy/total"][:][rows].sum()), shapes
dense, dense_shapes = expert_rows(f"{d}/dense_tp.h5")
ep, ep_shapes = expert_rows(f"{d}/ep_tp.h5")
assert dense > 0 and abs(ep - dense) <= 1e-9 * dense, (dense, ep)
# Column slices of d_ff = 128 over tp 2: ffn1/ffn_gate N = 64 (K = 64), ffn2 K = 64 (N = 64).
gemm = {(n, nn, k) for n, nn, k in ep_shapes if n.startswith(("ffn1", "ffn_gate", "ffn2"))}
assert gemm and all(nn == 64 and k == 64 for _, nn, k in gemm), gemm
assert gemm <= dense_shapes, (gemm - dense_shapes)
with h5py.File(f"{d}/ep_tp.h5") as f:
    s = dict(f["summary"].attrs)
    moe = {k: f["moe"][k][:] for k in f["moe"]}
# Picks: 2 layers x 32 prefill tokens x top 2 = 128, counted once per tensor group.
assert s["moe_expert_tokens"] == 128 and s["moe_tokens_dropped"] == 0, s
assert moe["expert_tokens"].sum() == 2 * 128  # each tensor rank computes its slice of all picks
assert abs(s["moe_load_imbalance"] - 1.0) < 1e-12
# All-to-all by hand. Lane i (replica i: requests 2i, 2i+1) holds experts i and i + 4.
# Prefill: lane i's 8 tokens make picks 16i … 16i+15, two per expert: 4 for each other lane,
# 12 crossing. 12 x 4 lanes x 2 layers = 96 crossing picks, each going and coming back at
# 64 values x 4 bits = 32 B, sent by each of the 2 tensor ranks (the activations are whole on
# both): 96 x 2 x 32 x 2 = 12288 B.
assert s["moe_all_to_all_bytes"] == 12288, s["moe_all_to_all_bytes"]
with h5py.File(f"{d}/ep_tp_n3.h5") as f:
    s3 = dict(f["summary"].attrs)
    for k in f["moe"]:
        assert (f["moe"][k][:] == moe[k]).all(), k
for k in ("makespan_s", "energy_J", "moe_all_to_all_bytes", "moe_expert_tokens"):
    assert s3[k] == s[k], (k, s3[k], s[k])
print(f"ok: tp 2 expert energy dense {dense:.9g} J = ep 4 {ep:.9g} J; all-to-all 12288 B; "
      f"makespan dense {h5py.File(f'{d}/dense_tp.h5')['summary'].attrs['makespan_s'] * 1e6:.3f} "
      f"us, ep {s['makespan_s'] * 1e6:.3f} us")
PY
