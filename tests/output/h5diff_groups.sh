#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# h5diff_groups.sh A.h5 B.h5: the deterministic groups (docs/units.md) must be identical.
set -u
status=0
for g in /timeline /layers /summary; do
    if ! h5diff "$1" "$2" "$g" "$g"; then
        echo "h5diff_groups: $g differs between $1 and $2"
        status=1
    fi
done
exit $status
