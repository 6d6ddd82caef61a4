#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs the dependencies, then runs every check CI runs, in order, and exits non-zero on
# any failure:
#  1. the `ci` preset (release, warnings as errors) and the whole CTest suite, which also
#     replays the fuzz corpora (fuzz_replay_*);
#  2. the `fuzz` preset (clang, ASan + UBSan, libFuzzer): each target fuzzed for
#     LTDES_FUZZ_SECONDS (default 30) by tests/fuzz/run_fuzz.sh; a finding fails the run and
#     is left in build/fuzz/artifacts/<target>/;
#  3. the `tsan` preset (ThreadSanitizer, against a oneTBB built with it by
#     scripts/build-tbb-tsan.sh): the threaded kernel and cluster tests.
# LTDES_CI_STEPS (default "ci fuzz tsan") selects steps. Run from anywhere.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
# OpenMPI refuses to run as root unless told; CI and these machines run as root.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
steps=" ${LTDES_CI_STEPS:-ci fuzz tsan} "
took() { echo "test.sh: $1 took $((SECONDS - $2)) s"; }

if [[ $steps == *" ci "* ]]; then
    t=$SECONDS
    cmake --workflow --preset ci
    took "the ci workflow" $t
fi
if [[ $steps == *" fuzz "* ]]; then
    t=$SECONDS
    cmake --preset fuzz >/dev/null
    cmake --build --preset fuzz
    took "the fuzz build" $t
    t=$SECONDS
    LTDES_FUZZ_ARTIFACTS=$PWD/build/fuzz/artifacts tests/fuzz/run_fuzz.sh "${LTDES_FUZZ_SECONDS:-30}"
    took "fuzzing" $t
fi
if [[ $steps == *" tsan "* ]]; then
    t=$SECONDS
    bash scripts/build-tbb-tsan.sh
    cmake --preset tsan >/dev/null
    cmake --build --preset tsan
    took "the tsan build" $t
    t=$SECONDS
    ctest --preset tsan
    took "the tsan tests" $t
fi
