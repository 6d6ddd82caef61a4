#!/usr/bin/env bash
# estimate_sweep.sh LT_DES: every row of a sweep (comma lists, and a --cases file) equals the
# total of the single estimate of that case, byte for byte (the same costs summed in the same
# order), and the rows come in the documented order (arch outermost, batch innermost).
set -u
lt=$1
lists=$("$lt" estimate --arch Dota_B_4bit,a100-sxm --model gpt2 --prompt 8,32 --decode 0,3) \
    || exit 1
cases=$("$lt" estimate --cases tests/data/cases/mixed.csv) || exit 1
/usr/bin/python3 - "$lt" "$lists" "$cases" <<'PY'
import subprocess, sys
lt = sys.argv[1]
def single(args):
    out = subprocess.run([lt, "estimate", "--format", "csv"] + args, check=True,
                         capture_output=True, text=True).stdout
    total = next(l for l in out.splitlines() if l.startswith("total,"))
    _, ops, e, t = total.split(",")
    return ops, e, t
def check(sweep, expected_args):
    rows = sweep.splitlines()
    assert rows[0] == "case,model,arch,batch,prompt,decode,ops,energy_mJ,latency_ms,edp_mJ_ms", rows[0]
    assert len(rows) == 1 + len(expected_args), (len(rows), len(expected_args))
    for i, args in enumerate(expected_args):
        cells = rows[1 + i].split(",")
        assert cells[0] == str(i + 1), cells
        ops, e, t = single(args)
        assert (cells[6], cells[7], cells[8]) == (ops, e, t), (args, cells, (ops, e, t))
        print("ok", " ".join(args), e, t)
expected = []
for arch in ["Dota_B_4bit", "a100-sxm"]:
    for prompt in ["8", "32"]:
        for decode in ["0", "3"]:
            expected.append(["--arch", arch, "--model", "gpt2", "--prompt", prompt, "--decode", decode])
check(sys.argv[2], expected)
check(sys.argv[3], [
    ["--model", "deit-t", "--arch", "Dota_B_4bit"],
    ["--model", "deit-b", "--arch", "a100-sxm", "--batch", "2"],
    ["--model", "gpt2", "--arch", "h100-sxm", "--prompt", "16", "--decode", "4"],
    ["--model", "bert-b", "--arch", "Bs_mrr_bank_4bit", "--tokens", "64"],
])
print("ok")
PY
