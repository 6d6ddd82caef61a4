#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs the dependencies, builds lt-des (release preset) and runs the main job: the shipped
# GPT-2 trace on the default cluster with 2 MPI ranks. Extra arguments go to lt-des.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release --target lt-des
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mkdir -p results
ranks=${LTDES_RANKS:-2}
exec mpiexec --oversubscribe -n "$ranks" build/release/src/cli/lt-des \
    --trace traces/gpt2.trace --out results/gpt2.h5 --force "$@"
