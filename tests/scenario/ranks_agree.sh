# shellcheck shell=bash
# Sourced by the synchronisation property tests.
# ranks_agree WHAT PREFIX GROUPS: runs "$lt" "${args[@]}" with "${mpi[@]}" on 1, 2, 3 and 4 ranks
# (output PREFIX-npN.h5) and exits 1 unless every HDF5 group of GROUPS (space-separated) is
# identical to the 1-rank run's.
ranks_agree() {
    local what=$1 prefix=$2 groups=$3 n g
    for n in 1 2 3 4; do
        "${mpi[@]}" -n "$n" "$lt" "${args[@]}" --out "$prefix-np$n.h5" >/dev/null 2>"$prefix.err" ||
            { echo "FAIL: $what: $n rank(s) failed: $(head -c 400 "$prefix.err")"; exit 1; }
    done
    for n in 2 3 4; do
        for g in $groups; do
            h5diff "$prefix-np1.h5" "$prefix-np$n.h5" "$g" >/dev/null ||
                { echo "FAIL: $what: $g differs between 1 and $n ranks"; exit 1; }
        done
    done
}
