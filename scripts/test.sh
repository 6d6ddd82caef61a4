#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs the dependencies, builds lt-des with the `ci` preset (release, warnings as errors)
# and runs the whole test suite with CTest. Run from anywhere; exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
# OpenMPI refuses to run as root unless told; CI and these machines run as root.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
cmake --workflow --preset ci
