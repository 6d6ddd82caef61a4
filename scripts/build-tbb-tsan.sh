#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds oneTBB with ThreadSanitizer for the `tsan` preset and installs it in build/tbb-tsan/.
# Debian's libtbb.so is not instrumented, so TSan cannot see the hand-offs between oneTBB's
# threads and reports races that are not there; an instrumented oneTBB sees them. The source is
# Debian's own package (the same version as libtbb-dev), fetched with `apt-get source`; a
# deb-src entry for Debian's archive is added when the machine has none. Idempotent: does
# nothing when the library is already installed. Usage: scripts/build-tbb-tsan.sh [PREFIX]
set -euo pipefail
cd "$(dirname "$0")/.."
prefix=${1:-$PWD/build/tbb-tsan}
if [ -f "$prefix/install/lib/cmake/TBB/TBBConfig.cmake" ]; then
    echo "build-tbb-tsan: $prefix/install already built"
    exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
if [ -z "$(apt-cache showsrc onetbb 2>/dev/null)" ]; then
    echo "build-tbb-tsan: adding Debian's deb-src entries (/etc/apt/sources.list.d/debian-src.sources)"
    $SUDO tee /etc/apt/sources.list.d/debian-src.sources >/dev/null <<'SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
    $SUDO apt-get update -qq
fi
# The version of the installed headers, so the instrumented library matches them exactly.
version=$(dpkg-query -W -f='${source:Version}' libtbb-dev)
rm -rf "$prefix/src" && mkdir -p "$prefix/src"
(cd "$prefix/src" && apt-get source -qq "onetbb=$version" >/dev/null)
src=$(find "$prefix/src" -mindepth 1 -maxdepth 1 -type d -name 'onetbb-*' | head -n 1)
# Only libtbb (lt-des links nothing else of oneTBB), no tests, no IPO (oneTBB turns it off
# for TSan itself); warnings are not errors: this is Debian's code with our compiler flags.
cmake -S "$src" -B "$prefix/build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DTBB_SANITIZE=thread -DTBB_TEST=OFF -DTBBMALLOC_BUILD=OFF -DTBB_STRICT=OFF \
    -DTBB_DISABLE_HWLOC_AUTOMATIC_SEARCH=ON -DCMAKE_INSTALL_PREFIX="$prefix/install" \
    -DCMAKE_INSTALL_LIBDIR=lib >/dev/null
cmake --build "$prefix/build" -j 2
cmake --install "$prefix/build" >/dev/null
echo "build-tbb-tsan: installed in $prefix/install"
