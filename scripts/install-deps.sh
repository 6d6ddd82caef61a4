#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs, idempotently and non-interactively, the Debian 12 packages that lt-des needs to
# build, test and post-process. Nothing is downloaded from anywhere but Debian's archive.
# clang and libclang-rt-dev (libFuzzer, the sanitizer runtimes) build the `fuzz` preset;
# dpkg-dev unpacks oneTBB's source package for the `tsan` preset (scripts/build-tbb-tsan.sh).
set -euo pipefail

packages=(
    g++ cmake ninja-build make pkg-config git
    libopenmpi-dev openmpi-bin
    libhdf5-openmpi-dev hdf5-tools
    libtbb-dev libcxxopts-dev libyaml-cpp-dev nlohmann-json3-dev libfmt-dev
    libgtest-dev libgmock-dev libbenchmark-dev
    clang-format
    clang libclang-rt-dev dpkg-dev
    python3 python3-h5py python3-numpy python3-matplotlib python3-pandas
)

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
    echo "install-deps: all ${#packages[@]} packages present"
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
# Update the lists when they are missing or older than a day, so a fresh machine finds the packages.
if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*_Packages' -mtime -1 2>/dev/null | head -n 1)" ]; then
    $SUDO apt-get update -qq
fi
echo "install-deps: installing ${missing[*]}"
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
