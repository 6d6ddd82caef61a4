#!/usr/bin/env bash
# estimate_cluster_dram.sh LT_DES: `estimate --cluster` costs memory ops with the cluster file's
# DRAM. A kv_read of b bits takes b/B + L; with B 1000x smaller (tests/data/cluster/slow_dram.yaml)
# and L = 100 ns both times, (t_slow - n L) / (t_default - n L) = 1000 for the n kv_reads of the
# row, and the energy (the arch's per-access constant) does not change.
set -u
lt=$1
fast=$("$lt" estimate --trace traces/tiny.trace --format csv) || exit 1
slow=$("$lt" estimate --trace traces/tiny.trace --cluster tests/data/cluster/slow_dram.yaml \
       --format csv) || exit 1
/usr/bin/python3 - "$fast" "$slow" <<'PY'
import sys
def row(csv, name):
    r = next(l for l in csv.splitlines() if l.startswith(name + ","))
    _, n, e, t = r.split(",")
    return int(n), float(e), float(t) * 1e-3
n, e0, t0 = row(sys.argv[1], "decode/kv_read")
n1, e1, t1 = row(sys.argv[2], "decode/kv_read")
lat = n * 100e-9
ratio = (t1 - lat) / (t0 - lat)
print(f"kv_read x{n}: {t0} s default, {t1} s slow DRAM, transfer ratio {ratio}")
assert n1 == n and e1 == e0, "same ops, same energy"
assert abs(ratio - 1000) <= 1e-6 * 1000, "transfer time scales with 1/bandwidth"
print("ok")
PY
