#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# output_writer_memory.sh [BUILD_DIR]: peak resident memory per rank of Hdf5ResultWriter as the
# row count grows (synthetic run of tests/support/synthetic_run.hpp: 5 chips). The writer spills
# sorted runs of 65536 rows, so the peak should stay flat while the rows grow 20x.
# Uses tests/output/write_synthetic from a build with tests (e.g. build/ci).
set -euo pipefail
build=${1:-build/ci}
exe=$build/tests/output/write_synthetic
[ -x "$exe" ] || { echo "build $exe first (cmake --build --preset ci --target write_synthetic)"; exit 2; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for np in 1 2; do
    for rows in 20001 200001 400001; do   # per chip; x5 chips = 100k, 1M, 2M rows
        start=$(date +%s.%N)
        mpiexec --oversubscribe -n $np "$exe" "$tmp/run.h5" $rows 2>&1 | grep "peak RSS" | sort
        end=$(date +%s.%N)
        printf 'np=%d rows=%d wall=%.2fs file=%s bytes\n' $np $((rows * 5)) \
            "$(echo "$end - $start" | bc)" "$(stat -c %s "$tmp/run.h5")"
    done
done
