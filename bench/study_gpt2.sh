#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# study_gpt2.sh [LTDES] [OUT]: the worked study of docs/study-gpt2-photonic.md. Runs
# traces/gpt2.trace (batch 8, 768-token prompt, 256 generated) on the default cluster (64 chips,
# plan tp 4 x pp 4 x dp 4 pinned (the study's plan; the plan search would choose another), ring +
# a bus per tensor group) once per arch (DOTA-B, MRR bank, MZI at 4 and 8 bits),
# gathers the summaries with scripts/lt_collect.py and draws the reports with
# scripts/lt_report.py. Run it from the repository root.
#   LTDES  the lt-des binary (default build/release/src/cli/lt-des)
#   OUT    result folder (default results/study-gpt2, git-ignored), created if missing;
#          existing results in it are replaced
#   RANKS  MPI ranks (default 2); the results do not depend on it
#   EXTRA  further lt-des flags, e.g. "--set topology=ring" for the ring-only cluster
#   PYTHON the Python with h5py, numpy and matplotlib (default /usr/bin/python3)
# Wall time on a 2-core VM with 2 ranks: 0.5-5 s per run, MZI runs the longest on a quiet machine
# (its 14 s of simulated time cross ~245 000 synchronisation windows of one link hop).
set -euo pipefail
ltdes=${1:-build/release/src/cli/lt-des}
out=${2:-results/study-gpt2}
ranks=${RANKS:-2}
python=${PYTHON:-/usr/bin/python3}
archs="Dota_B_4bit Dota_B_8bit Bs_mrr_bank_4bit Bs_mrr_bank_8bit Bs_mzi_4bit Bs_mzi_8bit"

[ -x "$ltdes" ] || { echo "study_gpt2.sh: $ltdes: no such executable (build it first)" >&2; exit 2; }
[ -f traces/gpt2.trace ] || { echo "study_gpt2.sh: run from the repository root" >&2; exit 2; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1   # only matters as root
mkdir -p "$out"
rm -f "$out/wall.txt"
"$ltdes" --version | tee "$out/version.txt"

files=()
for a in $archs; do
    echo "== $a"
    start=$EPOCHREALTIME
    # stdout is the run summary; stderr (warnings, progress lines) goes to $a.err, and all but
    # the progress lines are echoed (all of it when the run fails).
    if ! mpiexec --oversubscribe -n "$ranks" "$ltdes" --trace traces/gpt2.trace --tp 4 --pp 4 --dp 4 \
            --timeline layers ${EXTRA:-} --arch "configs/arch/$a.yaml" --out "$out/$a.h5" --force \
            2> "$out/$a.err" | tee "$out/$a.log"; then
        cat "$out/$a.err" >&2
        echo "study_gpt2.sh: the $a run failed" >&2
        exit 1
    fi
    grep -v '^lt-des: simulated ' "$out/$a.err" >&2 || true
    awk -v a="$a" -v s="$start" -v e="$EPOCHREALTIME" \
        'BEGIN { printf "%s: %.2f s wall\n", a, e - s }' | tee -a "$out/wall.txt"
    files+=("$out/$a.h5")
done

"$python" scripts/lt_collect.py "${files[@]}" -o "$out/study.csv"
"$python" scripts/lt_report.py --sweep "$out/study.csv" -o "$out"
for a in $archs; do
    "$python" scripts/lt_report.py "$out/$a.h5" -o "$out/$a" > /dev/null
done

# The tables of the study page: per arch, times, energies and the three largest components; then
# prefill and decode separately, with the ratio to DOTA-B at the same precision.
"$python" - "${files[@]}" <<'EOF'
import sys
import h5py
rows = []
for path in sys.argv[1:]:
    with h5py.File(path, "r") as f:
        s = f["summary"].attrs
        comps = [c.decode() if isinstance(c, bytes) else c
                 for c in f["metadata/enums"].attrs["energy_component"]]
        r = {"name": path.rsplit("/", 1)[-1][:-3], "e": float(s["energy_J"]),
             "ttft": float(s["ttft_s"]), "tpot": float(s["tpot_s"]),
             "makespan": float(s["makespan_s"]), "gen": int(s["generated_tokens"]),
             "comp": {c: float(s[f"energy_{c}_J"]) for c in comps}}
        for ph in ("prefill", "decode"):
            g = f["layers"][ph]
            r[ph] = float(g["energy/total"][:].sum())
            r[ph + "_dram"] = float(g["energy/dram"][:].sum())
        rows.append(r)
print("| arch | TTFT ms | TPOT µs | makespan ms | mJ / generated token | total J | top components |")
print("|---|---|---|---|---|---|---|")
for r in rows:
    top = sorted(((v, c) for c, v in r["comp"].items()), reverse=True)[:3]
    tops = ", ".join(f"{c} {100 * v / r['e']:.1f} %" for v, c in top)
    print(f"| {r['name']} | {r['ttft'] * 1e3:.4g} | {r['tpot'] * 1e6:.4g} | "
          f"{r['makespan'] * 1e3:.4g} | {r['e'] / r['gen'] * 1e3:.4g} | {r['e']:.4g} | {tops} |")
print()
print("| arch | prefill mJ | decode mJ | decode DRAM share | decode without DRAM mJ | "
      "÷ DOTA-B: TTFT | TPOT | prefill mJ | decode mJ | total mJ |")
print("|---|---|---|---|---|---|---|---|---|---|")
dota = {r["name"][-4:]: r for r in rows if r["name"].startswith("Dota_B")}
for r in rows:
    d = dota.get(r["name"][-4:])

    def ratio(k):
        return f"{r[k] / d[k]:.3g}" if d else ""

    print(f"| {r['name']} | {r['prefill'] * 1e3:.4g} | {r['decode'] * 1e3:.4g} | "
          f"{100 * r['decode_dram'] / r['decode']:.1f} % | "
          f"{(r['decode'] - r['decode_dram']) * 1e3:.4g} | {ratio('ttft')} | {ratio('tpot')} | "
          f"{ratio('prefill')} | {ratio('decode')} | {ratio('e')} |")
EOF
