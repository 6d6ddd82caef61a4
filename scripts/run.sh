#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs the dependencies, builds lt-des (release preset) and runs the main job: the shipped
# GPT-2 trace (batch 8, 768-token prompt + 256 generated tokens = GPT-2's 1024-token context)
# on the default cluster with 2 MPI ranks. Extra arguments go to lt-des.
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
