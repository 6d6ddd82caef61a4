#!/usr/bin/env bash
# run_fuzz.sh [SECONDS] [BUILD_DIR]: fuzzes every target of tests/fuzz for SECONDS each (default
# 30) with the binaries of the `fuzz` preset (default build/fuzz; build them first with
# `cmake --preset fuzz && cmake --build --preset fuzz`). Seeds come from tests/fuzz/<target>/;
# new inputs go to a scratch corpus, never into the tree. A crash, leak, sanitizer report,
# uncaught exception or an input slower than 1 s is written to artifacts/<target>/ and fails
# the script: add the file to tests/fuzz/<target>/ with the fix, and the replay test keeps it.
# Prints one line per target: executions, coverage (cov) and features (ft) reached.
# LTDES_FUZZ_TARGETS="a b" limits the run to those targets; LTDES_FUZZ_TIMEOUT (s, default 1)
# is the per-input limit (raise it on an overloaded machine: a timeout there may be the load).
set -u
seconds=${1:-30}
here=$(cd "$(dirname "$0")" && pwd)
build=${2:-$here/../../build/fuzz}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
artifacts=${LTDES_FUZZ_ARTIFACTS:-$PWD/fuzz-artifacts}
status=0
for target in ${LTDES_FUZZ_TARGETS:-trace_reader request_csv arch_yaml cluster_yaml hf_config}; do
    bin=$build/tests/fuzz/fuzz_$target
    [ -x "$bin" ] || { echo "run_fuzz: $bin not built (cmake --build --preset fuzz)"; exit 2; }
    mkdir -p "$scratch/$target" "$artifacts/$target"
    max_len=16384
    case $target in trace_reader | request_csv) max_len=65536 ;; esac
    "$bin" -max_total_time="$seconds" -timeout="${LTDES_FUZZ_TIMEOUT:-1}" -rss_limit_mb=2048 -max_len=$max_len \
        -print_final_stats=1 -artifact_prefix="$artifacts/$target/" \
        "$scratch/$target" "$here/$target" >"$scratch/$target.log" 2>&1
    rc=$?
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$scratch/$target.log" | grep -o '[0-9]*$')
    last=$(grep -E '^#[0-9]+' "$scratch/$target.log" | tail -1)
    cov=$(echo "$last" | grep -o 'cov: [0-9]*' | grep -o '[0-9]*')
    ft=$(echo "$last" | grep -o 'ft: [0-9]*' | grep -o '[0-9]*')
    echo "$target: ${execs:-?} executions in ${seconds} s, cov ${cov:-?}, ft ${ft:-?}, exit $rc"
    if [ "$rc" -ne 0 ]; then
        status=1
        grep -E 'ERROR|SUMMARY|Test unit written|==[0-9]+==' "$scratch/$target.log" | head -20
    fi
done
exit $status
