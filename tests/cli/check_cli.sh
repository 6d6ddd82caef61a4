#!/usr/bin/env bash
# check_cli.sh CODE STDOUT_RE STDERR_RE -- COMMAND...
# Runs COMMAND and fails unless it exits with CODE, its stdout matches STDOUT_RE and its stderr
# matches STDERR_RE (extended regexes; '-' means "must be empty"). With CODE 2 the error must be
# exactly one line starting with 'lt-des: error: '.
set -u
code=$1 out_re=$2 err_re=$3
shift 4
out=$(mktemp) err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT
"$@" >"$out" 2>"$err"
rc=$?
fail() { echo "FAIL: $*"; echo "--- stdout"; cat "$out"; echo "--- stderr"; cat "$err"; exit 1; }
[ "$rc" -eq "$code" ] || fail "exit code $rc, expected $code"
check() {  # check FILE REGEX NAME
    if [ "$2" = "-" ]; then
        [ ! -s "$1" ] || fail "$3 should be empty"
    else
        grep -Eq -- "$2" "$1" || fail "$3 does not match /$2/"
    fi
}
check "$out" "$out_re" stdout
check "$err" "$err_re" stderr
if [ "$code" -eq 2 ]; then
    # mpiexec may add its own report; lt-des itself must say exactly one line, on one rank.
    [ "$(grep -c '^lt-des' "$err")" -eq 1 ] || fail "a bad-input error must be one line from lt-des"
    grep -q '^lt-des: error: ' "$err" || fail "error line must start with 'lt-des: error: '"
fi
echo "ok: exit $rc"
