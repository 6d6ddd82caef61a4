#!/usr/bin/env bash
# check_format.sh CLANG_FORMAT: fails when any tracked C++ file is not clang-formatted.
set -eu
cf=$1
files=$(git ls-files --cached --others --exclude-standard '*.cpp' '*.hpp' 2>/dev/null || true)
[ -n "$files" ] || files=$(find src include tests bench -name '*.[ch]pp')
[ -n "$files" ] || { echo "no C++ files found"; exit 1; }
# shellcheck disable=SC2086
"$cf" --dry-run --Werror $files
echo "format: $(echo "$files" | wc -l) files clean"
