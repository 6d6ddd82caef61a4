#!/usr/bin/env bash
# layering_test.sh: fails on any #include "ltdes/<mod>/" edge that the dependency table
# (cmake/dependencies.txt, the one copy CMake also links from) does not allow, and on <mpi.h>,
# <hdf5.h> or TBB outside the modules allowed to see them.
set -u
declare -A allowed=()
while IFS= read -r line; do
    case "$line" in ''|'#'*) continue ;; esac
    allowed[${line%%:*}]=$(echo "${line#*:}" | xargs)
done < cmake/dependencies.txt
bad=0
for dir in include/ltdes/* src/*; do
    [ -d "$dir" ] || continue
    mod=${dir##*/}
    [ -n "${allowed[$mod]+set}" ] || { echo "layering: $dir is not a module of cmake/dependencies.txt"; bad=1; continue; }
    while IFS= read -r line; do
        file=${line%%:*}
        dep=$(echo "$line" | sed -E 's/.*#include "ltdes\/([a-z_]+)\/.*/\1/')
        [ "$dep" = "$mod" ] && continue
        case " ${allowed[$mod]} " in
            *" $dep "*) ;;
            *) echo "layering: $file includes ltdes/$dep/ but $mod may not depend on $dep"; bad=1 ;;
        esac
    done < <(grep -rn '#include "ltdes/' "$dir" || true)
done
check_only_in() {  # check_only_in PATTERN WHAT DIR...
    local pattern=$1 what=$2; shift 2
    while IFS= read -r f; do
        local ok=0
        for d in "$@"; do case "$f" in "$d"*) ok=1 ;; esac; done
        [ $ok -eq 1 ] || { echo "layering: $f includes $what"; bad=1; }
    done < <(grep -rlE "$pattern" include src || true)
}
check_only_in '#include <mpi\.h>' '<mpi.h>' src/mpi/ src/dist/ src/output/ src/cli/
check_only_in '#include <hdf5\.h>' '<hdf5.h>' src/output/
check_only_in '#include <(oneapi/)?tbb/' 'TBB' src/des/ src/stats/
[ $bad -eq 0 ] && echo "layering: ok"
exit $bad
