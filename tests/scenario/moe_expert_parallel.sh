#!/usr/bin/env bash
# moe_expert_parallel.sh LT_DES OUT_DIR
# Expert parallelism end to end (docs/cluster.md, "Expert parallelism"): Mixtral-8x7B, batch 8,
# prompt 4, one decode step.
#  1. dense on one chip vs --dp 8 --ep 8 with round_robin routing and no capacity limit: every
#     expert computes the same rows (8 tokens x top-2 picks per decode step spread evenly over
#     the 8 experts, token-major, in both), so the expert-FFN energy (rows of ffn1.eN, ffn_gate.eN,
#     silu.eN, gate_mul.eN, ffn2.eN) is equal within 1e-9 relative;
#  2. the ep run's /moe and /summary agree: 32 layers x (32 prefill + 8 decode tokens) x 2 picks;
#  3. zipf:1.5 raises the load imbalance above uniform's; with capacity factor 1.0 it drops
#     picks, and /summary moe_tokens_dropped is the sum of /moe/tokens_dropped;
#  4. the same ep run on 2 MPI ranks gives the same /summary.
set -u
lt=$1 dir=$2
mkdir -p "$dir"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
trace="$dir/mixtral.trace"
"$lt" trace gen --model mixtral-8x7b --batch 8 --prompt 4 --decode 1 -o "$trace" >/dev/null ||
    { echo "FAIL: trace gen"; exit 1; }
run() {  # run NAME ARGS...
    local name=$1
    shift
    "$lt" run --trace "$trace" --out "$dir/$name.h5" --force "$@" >"$dir/$name.txt" 2>&1 ||
        { echo "FAIL: run $name"; cat "$dir/$name.txt"; exit 1; }
}
run dense --tp 1 --pp 1 --dp 1
run ep_rr --dp 8 --ep 8 --moe-routing round_robin
run ep_uniform --dp 8 --ep 8
run ep_zipf --dp 8 --ep 8 --moe-routing zipf:1.5
run ep_zipf_cap --dp 8 --ep 8 --moe-routing zipf:1.5 --capacity-factor 1.0
grep -q "^moe  *ep 8 (round_robin)" "$dir/ep_rr.txt" || { echo "FAIL: no moe line"; exit 1; }
mpirun --oversubscribe -n 2 "$lt" run --trace "$trace" --out "$dir/ep_zipf_n2.h5" --force \
    --dp 8 --ep 8 --moe-routing zipf:1.5 >"$dir/ep_zipf_n2.txt" 2>&1 ||
    { echo "FAIL: mpirun -n 2"; cat "$dir/ep_zipf_n2.txt"; exit 1; }
/usr/bin/python3 - "$dir" <<'PY'
import re, sys, h5py, numpy as np
d = sys.argv[1]
expert = re.compile(r"\.e\d+$")
def expert_energy(path):
    with h5py.File(path) as f:
        t = f["timeline"]
        names = t["op_names"].asstr()[:]
        is_expert = np.array([bool(expert.search(n)) for n in names])
        rows = is_expert[t["op_name"][:]]
        return float(t["energy/total"][:][rows].sum())
dense, ep = expert_energy(f"{d}/dense.h5"), expert_energy(f"{d}/ep_rr.h5")
assert dense > 0 and abs(ep - dense) <= 1e-9 * dense, (dense, ep)
def summary(path):
    with h5py.File(path) as f:
        s = dict(f["summary"].attrs)
        moe = {k: f["moe"][k][:] for k in f["moe"]} if "moe" in f else None
        return s, moe
s, moe = summary(f"{d}/ep_rr.h5")
picks = 32 * (8 * 4 + 8) * 2
assert s["moe_expert_tokens"] == picks == moe["expert_tokens"].sum(), (s, picks)
assert s["moe_tokens_dropped"] == 0 and abs(s["moe_load_imbalance"] - 1.0) < 1e-12
assert list(moe["chip"]) == list(range(8))
# Dispatch + combine, by hand: lane j holds expert j. Prefill: lane j's 4 tokens are picks
# 8j..8j+7, one per expert, 7 of them for other lanes: 56 per layer. Decode: lane j's token makes
# picks 2j, 2j+1 (experts 2j mod 8, 2j+1 mod 8), its own only for pick 0 (lane 0) and pick 15
# (lane 7): 14 cross. Each crossing pick goes and comes back at 4096 values x 4 bits = 2048 B.
assert s["moe_all_to_all_bytes"] == (56 + 14) * 32 * 2 * 2048, s["moe_all_to_all_bytes"]
su, _ = summary(f"{d}/ep_uniform.h5")
sz, _ = summary(f"{d}/ep_zipf.h5")
assert sz["moe_load_imbalance"] > su["moe_load_imbalance"] >= 1.0, (sz, su)
assert sz["moe_tokens_dropped"] == 0
sc, mc = summary(f"{d}/ep_zipf_cap.h5")
assert sc["moe_tokens_dropped"] > 0 and sc["moe_tokens_dropped"] == mc["tokens_dropped"].sum()
assert sc["moe_expert_tokens"] + sc["moe_tokens_dropped"] == picks
assert sc["moe_load_imbalance"] < sz["moe_load_imbalance"]  # capacity caps the hot lane
s2, _ = summary(f"{d}/ep_zipf_n2.h5")
for k in ("makespan_s", "energy_J", "moe_load_imbalance", "moe_expert_tokens"):
    assert s2[k] == sz[k], (k, s2[k], sz[k])
print(f"ok: expert energy dense {dense:.9g} J = ep {ep:.9g} J; imbalance uniform "
      f"{su['moe_load_imbalance']:.3f}, zipf:1.5 {sz['moe_load_imbalance']:.3f}; capacity 1.0 "
      f"drops {sc['moe_tokens_dropped']} of {picks} picks; makespan dense "
      f"{summary(f'{d}/dense.h5')[0]['makespan_s'] * 1e3:.3f} ms, ep "
      f"{s['makespan_s'] * 1e3:.3f} ms")
PY
