#!/bin/bash
# SPDX-License-Identifier: MIT
# The front end lt-des must not load MPI or HDF5 (a plain `estimate` would pay ~30 ms for them),
# must hand MPI commands to lt-des-mpi beside it, and must say so clearly when that is missing.
# Usage: front_end_test.sh <lt-des> <lt-des-mpi>
set -u
front=$1
mpi_build=$2
fail() { echo "FAIL: $*"; exit 1; }

needed=$(readelf -d "$front" | awk '/NEEDED/ {print $NF}')
[ -n "$needed" ] || fail "readelf found no NEEDED entries in $front"
if grep -Eiq 'mpi|hdf5|open-pal|open-rte' <<<"$needed"; then
    fail "the front end loads MPI or HDF5: $(tr '\n' ' ' <<<"$needed")"
fi
grep -Eiq 'mpi' < <(readelf -d "$mpi_build" | awk '/NEEDED/ {print $NF}') ||
    fail "$mpi_build does not link MPI: the check above would prove nothing"

# Handed over: --version prints the MPI library version, which only lt-des-mpi knows.
"$front" --version | grep -q "MPI" || fail "--version did not reach lt-des-mpi"

# Without lt-des-mpi beside it: one clear line, exit 1 (an installation fault, not the user's).
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cp "$front" "$dir/lt-des"
err=$("$dir/lt-des" --version 2>&1 >/dev/null)
code=$?
[ "$code" -eq 1 ] || fail "missing lt-des-mpi: exit $code, expected 1"
grep -q "^lt-des: error: cannot start .*lt-des-mpi" <<<"$err" || fail "missing lt-des-mpi: '$err'"
# The MPI-free commands still run there.
"$dir/lt-des" estimate --model deit-t --format csv | grep -q '^embed,' ||
    fail "estimate did not run in the front end alone"
echo "front end: $(wc -l <<<"$needed") libraries, no MPI or HDF5"
