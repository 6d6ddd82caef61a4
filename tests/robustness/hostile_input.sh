#!/usr/bin/env bash
# hostile_input.sh LTDES SOURCE_DIR CASE
# One bad-input case of docs/robustness.md: builds the hostile input in a fresh folder, runs
# lt-des on it (bounded by `timeout`: a hang fails the test) and checks what the user must see:
# exit code 2, one line on stderr starting with 'lt-des: error: ' that matches the case's regex
# (the key path or file named), and no file under the result's name.
set -u
ltdes=$1 src=$2 case=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
trace=$src/traces/tiny.trace
out=$work/out.h5
bg_pid=

# expect REGEX -- ARGS...: lt-des ARGS must fail as above within 60 s.
expect() {
    local re=$1
    shift 2
    timeout 60 "$ltdes" "$@" >stdout.txt 2>stderr.txt
    local rc=$?
    [ -n "$bg_pid" ] && kill "$bg_pid" 2>/dev/null
    fail() {
        echo "FAIL ($case): $*"
        echo "--- command: lt-des $*"
        echo "--- stdout"; head -c 2000 stdout.txt
        echo "--- stderr"; head -c 2000 stderr.txt
        exit 1
    }
    [ "$rc" -ne 124 ] || fail "timed out (a hang)"
    [ "$rc" -eq 2 ] || fail "exit code $rc, expected 2"
    [ "$(wc -l <stderr.txt)" -eq 1 ] || fail "stderr must be exactly one line"
    grep -q '^lt-des: error: ' stderr.txt || fail "the line must start with 'lt-des: error: '"
    grep -Eq -- "$re" stderr.txt || fail "stderr does not match /$re/"
    [ "$(wc -c <stderr.txt)" -le 1200 ] || fail "the error line is longer than 1200 bytes"
    # An error found before the run leaves nothing; one found during it (op_duration_overflow)
    # leaves only the .partial marked failed, never a file under the result's name.
    [ ! -e "$out" ] || fail "a result file was left behind"
    echo "ok ($case): $(cat stderr.txt)"
    exit 0
}

# A GPT-2 HF config with one key replaced: gpt2_json KEY VALUE.
gpt2_json() {
    cat <<EOF | sed "s/\"$1\": [0-9]*/\"$1\": $2/"
{"model_type": "gpt2", "n_embd": 768, "n_layer": 12, "n_head": 12, "n_positions": 1024,
 "vocab_size": 50257, "n_inner": null}
EOF
}

mixtral_json() {
    cat <<EOF | sed "s/\"$1\": [0-9]*/\"$1\": $2/"
{"model_type": "mixtral", "hidden_size": 4096, "intermediate_size": 14336,
 "num_hidden_layers": 32, "num_attention_heads": 32, "num_key_value_heads": 8,
 "max_position_embeddings": 32768, "vocab_size": 32000, "num_local_experts": 8,
 "num_experts_per_tok": 2}
EOF
}

# The tiny trace with its first matrix op's M replaced: big_m VALUE.
big_m() {
    awk -v m="$1" '!done && $5 == "gemm" { $8 = m; done = 1 } { print }' "$trace"
}

case $case in
# ---- inputs that are not regular files ------------------------------------------------------
cluster_dev_zero) expect "/dev/zero: the cluster file is a device" -- \
    --trace "$trace" --cluster /dev/zero --out "$out" ;;
arch_dev_zero) expect "/dev/zero: the arch file is a device" -- \
    --trace "$trace" --arch /dev/zero --out "$out" ;;
hf_config_dev_zero) expect "/dev/zero: the Hugging Face config file is a device" -- \
    estimate --hf-config /dev/zero ;;
trace_gen_hf_dev_zero) expect "/dev/zero: the Hugging Face config file is a device" -- \
    trace gen --hf-config /dev/zero -o "$out" ;;
arch_directory) mkdir d
    expect "d: the arch file is a folder" -- --trace "$trace" --arch d --out "$out" ;;
cluster_directory) mkdir d
    expect "d: the cluster file is a folder" -- --trace "$trace" --cluster d --out "$out" ;;
chip_arch_directory) mkdir d
    printf 'chips: 1\nplan: {tp: 1}\nchip_arch:\n  - {chip: 0, arch: d}\n' >c.yaml
    expect "d: the arch file is a folder" -- --trace "$trace" --cluster c.yaml --out "$out" ;;
cluster_fifo) mkfifo f
    expect "f: the cluster file is a FIFO" -- --trace "$trace" --cluster f --out "$out" ;;
trace_fifo) mkfifo f
    # A writer as `<(cat trace)` would have: the trace must be refused, not read once or hang.
    (cat "$trace" >f) & bg_pid=$!
    expect "f: the trace is a FIFO" -- --trace f --out "$out" ;;
trace_validate_fifo) mkfifo f
    expect "f: the trace is a FIFO" -- trace validate f ;;
cluster_too_large) head -c $((17 << 20)) /dev/zero | tr '\0' '#' >big.yaml
    expect "big.yaml: the cluster file is [0-9]+ bytes, more than the limit of 16777216" -- \
        --trace "$trace" --cluster big.yaml --out "$out" ;;
# ---- Hugging Face configs: range limits, no 32-bit wrap, JSON number overflow ---------------
hf_huge_layers) gpt2_json n_layer 4294967295 >c.json
    expect "key 'n_layer': 4294967295 is out of range: expected an integer 0 to 4096" -- \
        estimate --hf-config c.json ;;
hf_huge_experts) mixtral_json num_local_experts 4294967295 >c.json
    expect "key 'num_local_experts': 4294967295 is out of range" -- estimate --hf-config c.json ;;
hf_gpt2_d_ff_wrap) gpt2_json n_embd 1073741825 >c.json
    expect "key 'n_embd': 1073741825 is out of range" -- estimate --hf-config c.json ;;
hf_number_overflow) gpt2_json n_layer 1e400 >c.json
    expect "c.json: not valid JSON" -- estimate --hf-config c.json ;;
hf_unsigned_2_64) gpt2_json n_head 18446744073709551615 >c.json
    expect "key 'n_head': 18446744073709551615 is out of range" -- estimate --hf-config c.json ;;
# ---- traces: sizes near 2^63, work products, workload line vs ops ---------------------------
trace_size_2_63) big_m 9223372036854775807 >t.trace
    expect "t.trace:[0-9]+: M: 9223372036854775807 is more than the limit 2\^32" -- \
        --trace t.trace --out "$out" ;;
trace_work_2_80) awk '!done && $5 == "gemm" { $8 = 1048576; $9 = 1048576; $10 = 1048576; done = 1 }
                     { print }' "$trace" >t.trace
    expect "t.trace:[0-9]+: M·N·K·count = .* more than the limit 2\^50" -- \
        --trace t.trace --out "$out" ;;
trace_decode_mismatch) sed 's/decode=4 /decode=40 /' "$trace" >t.trace
    expect "t.trace:3: the workload line says decode=40 but the ops reach decode step 4" -- \
        --trace t.trace --out "$out" ;;
op_duration_overflow)
    # An in-range but absurd pair: a 1 kHz core and an op of 2^50 MACs lasts ~10^8 s.
    printf 'core:\n  work_freq: 1.0e-6\n' >slow.yaml
    awk '!done && $5 == "gemm" { $8 = 1048576; $9 = 32768; $10 = 32768; done = 1 }
         { print }' "$trace" >t.trace
    expect "an op would last .* s of simulated time, more than" -- \
        --trace t.trace --arch slow.yaml --tp 1 --out "$out" ;;
time_limit_serving|time_limit_serving_rr)
    # The last request arrives 55 us before 2^63 ps: its first iteration would end past it
    # (it used to wrap and finish "0.006 s" into the run, exit 0).
    sed 's/^11 0.005822702428 17 2$/11 9223372.0368 17 2/' "$src/tests/data/serving-tiny.trace" \
        >r.trace
    router=least_outstanding
    [ "$case" = time_limit_serving_rr ] && router=round_robin
    expect "simulated time would pass the 9223372 s \(2\^63 ps" -- \
        --trace r.trace --router "$router" --out "$out" ;;
# ---- absurd config values: key path and range, never inf J or exit 1 -----------------------
set_bandwidth_tiny) expect "link\.bandwidth_gbps: 1e-300 is out of range: expected 0\.001 to" -- \
    --trace "$trace" --set link.bandwidth_gbps=1e-300 --out "$out" ;;
set_dram_latency_huge) expect "dram\.latency_ns: 1e18 is out of range: expected 0 to 1000000000" \
    -- --trace "$trace" --set dram.latency_ns=1e18 --out "$out" ;;
set_energy_1e308) expect "bcast\.e_tx_pj_per_bit: 1e308 is out of range" -- \
    --trace "$trace" --set bcast.e_tx_pj_per_bit=1e308 --out "$out" ;;
set_nan) expect "link\.latency_ns: expected a finite number, got 'nan'" -- \
    --trace "$trace" --set link.latency_ns=nan --out "$out" ;;
set_inf) expect "link\.energy_pj_per_bit: expected a finite number, got 'inf'" -- \
    --trace "$trace" --set link.energy_pj_per_bit=inf --out "$out" ;;
arch_wall_plug_denormal) printf 'device:\n  laser:\n    wall_plug_eff: 4e-324\n' >a.yaml
    expect "a.yaml:3: key 'device\.laser\.wall_plug_eff': 4e-324 is out of range: expected 1e-06 to 1" \
        -- --trace "$trace" --arch a.yaml --out "$out" ;;
arch_energy_1e308) printf 'device:\n  mzi_modulator:\n    energy_per_bit: 1e308\n' >a.yaml
    expect "key 'device\.mzi_modulator\.energy_per_bit': 1e308 is out of range" -- \
        --trace "$trace" --arch a.yaml --out "$out" ;;
arch_losses_overflow)
    # Every loss at its 100 dB maximum: the link budget's 10^(dB/10) leaves any physical range.
    {
        printf 'device:\n'
        for d in mzi_modulator mrr_modulator mrr_router phase_shifter direction_coupler mzi y_branch; do
            printf '  %s:\n    insertion_loss: 100\n' "$d"
        done
    } >a.yaml
    expect "a.yaml: the device losses give a laser power of .* mW per core" -- \
        --trace "$trace" --arch a.yaml --out "$out" ;;
# ---- YAML structure: duplicate keys, second documents, complex keys -------------------------
cluster_duplicate_key) printf 'overlap: true\noverlap: false\n' >c.yaml
    expect "c.yaml:2: overlap: given twice" -- --trace "$trace" --cluster c.yaml --out "$out" ;;
cluster_nested_duplicate) printf 'link:\n  latency_ns: 1\n  latency_ns: 2\n' >c.yaml
    expect "c.yaml:3: link\.latency_ns: given twice" -- \
        --trace "$trace" --cluster c.yaml --out "$out" ;;
cluster_second_document) printf 'overlap: true\n---\noverlap: false\n' >c.yaml
    expect "c.yaml:[0-9]+: a second YAML document" -- \
        --trace "$trace" --cluster c.yaml --out "$out" ;;
cluster_complex_key) printf '? [a, b]\n: 1\n' >c.yaml
    expect "c.yaml:1: \(top level\): expected a plain key name" -- \
        --trace "$trace" --cluster c.yaml --out "$out" ;;
arch_duplicate_key) printf 'core:\n  width: 8\n  width: 16\n' >a.yaml
    expect "a.yaml:3: key 'core\.width': given twice" -- \
        --trace "$trace" --arch a.yaml --out "$out" ;;
arch_second_document) printf 'core:\n  width: 8\n---\ncore:\n  width: 16\n' >a.yaml
    expect "a.yaml:[0-9]+: a second YAML document" -- --trace "$trace" --arch a.yaml --out "$out" ;;
arch_complex_key) printf 'core:\n  ? {a: 1}\n  : 2\n' >a.yaml
    expect "a.yaml:2: key 'core': expected a plain key name" -- \
        --trace "$trace" --arch a.yaml --out "$out" ;;
# ---- more chips than the documented maximum (2^20): refused before anything is built ----------
serving_ep) "$ltdes" trace gen --hf-config "$src/tests/data/hf/tiny-moe.json" --requests 4 \
        --arrivals poisson:1000 --prompt uniform:4:8 --decode uniform:1:4 -o req.trace ||
        exit 1
    expect "plan: ep = 2: expert parallelism covers static traces" -- \
        run --trace req.trace --dp 2 --ep 2 --out "$out" ;;
chips_over_limit_cli) expect "1048577 chips is more than 1048576" -- \
        --trace "$trace" --dp 1048577 --out "$out" ;;
chips_over_limit_yaml) printf 'chips: 1048577\nplan: {tp: 1, pp: 1, dp: 1048577}\n' >c.yaml
    expect "c\.yaml: chips: must be between 1 and 1048576 \(got 1048577\)" -- \
        --trace "$trace" --cluster c.yaml --out "$out" ;;
# ---- messages: long values clipped, CR/LF escaped ----------------------------------------------
long_value_clipped) long=$(head -c 100000 /dev/zero | tr '\0' 'x')
    expect "overlap: expected true or false, got 'x{80}…'$" -- \
        --trace "$trace" --set "overlap=$long" --out "$out" ;;
crlf_escaped) printf 'topology: "ring\\r\\nlt-des: error: forged"\n' >c.yaml
    expect "got 'ring\\\\r\\\\nlt-des: error: forged'" -- \
        --trace "$trace" --cluster c.yaml --out "$out" ;;
# ---- --out --force replaces regular files only ------------------------------------------------
out_fifo_force) mkfifo out.h5
    "$ltdes" --trace "$trace" --out out.h5 --force >stdout.txt 2>stderr.txt
    rc=$?
    [ -p out.h5 ] || { echo "FAIL: the FIFO was replaced"; exit 1; }
    rm out.h5
    [ "$rc" -eq 2 ] && grep -q "out.h5: is a FIFO" stderr.txt || { cat stderr.txt; exit 1; }
    echo "ok ($case): $(cat stderr.txt)" ;;
out_symlink_to_device_force) ln -s /dev/null out.h5
    "$ltdes" --trace "$trace" --out out.h5 --force >stdout.txt 2>stderr.txt
    rc=$?
    [ -c /dev/null ] && [ -L out.h5 ] || { echo "FAIL: the device link was replaced"; exit 1; }
    rm out.h5
    [ "$rc" -eq 2 ] && grep -q "out.h5: is a device" stderr.txt || { cat stderr.txt; exit 1; }
    echo "ok ($case): $(cat stderr.txt)" ;;
*) echo "unknown case $case"; exit 1 ;;
esac
