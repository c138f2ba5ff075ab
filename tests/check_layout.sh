#!/bin/sh
# check_layout.sh — the tree keeps its architecture (docs/architecture.md):
#
#  1. layers: a file includes headers of its own layer and the layers
#     below it only: common <- proto <- (client) ; common <- ml <- jobs <-
#     scheduler, worker, submit. ml/ knows nothing of jobs, the wire or
#     the daemons;
#  2. one header per module: every function a .c file defines for others
#     (not static) is declared in the header of the file's own name;
#  3. no include cycle between modules (a module is a header and the .c
#     file of its name).
#
# Run from the top of the tree (make check does); prints every violation
# and exits 1 if there is one.
set -eu
dirs="common proto ml jobs scheduler worker client submit keygen"
files=$(find $dirs -name '*.[ch]' | sort)
fail=0
say() { echo "check_layout: $*" >&2; fail=1; }

# the layer of a path: its first folder
layer() { echo "${1%%/*}"; }

# what each layer may include (its own headers and those below it)
allowed() {
    case $1 in
    common) echo "common" ;;
    proto) echo "common proto" ;;
    ml) echo "common ml" ;;
    jobs) echo "common ml jobs" ;;
    client) echo "common proto client" ;;
    scheduler) echo "common proto ml jobs scheduler" ;;
    worker) echo "common proto ml jobs worker" ;;
    submit) echo "common proto ml jobs client submit" ;;
    keygen) echo "common keygen" ;;
    esac
}

# every header's place, by its name (names are unique across the tree)
index=$(mktemp)
trap 'rm -f "$index" "$index.edges"' EXIT
for f in $files; do
    case $f in *.h) echo "$(basename "$f") $f" ;; esac
done > "$index"
dups=$(awk '{print $1}' "$index" | sort | uniq -d)
[ -z "$dups" ] || say "headers of the same name in two places: $dups"

: > "$index.edges"
for f in $files; do
    l=$(layer "$f")
    ok=$(allowed "$l")
    mod=$(basename "$f" | sed 's/\.[ch]$//')
    for inc in $(sed -n 's/^#include "\([^"]*\.h\)".*/\1/p' "$f"); do
        path=$(awk -v h="$inc" '$1 == h {print $2}' "$index")
        [ -n "$path" ] || continue # a generated header (build/tests/suites.h)
        il=$(layer "$path")
        case " $ok " in
        *" $il "*) ;;
        *) say "$f ($l) includes $inc from $il" ;;
        esac
        imod=${inc%.h}
        [ "$imod" = "$mod" ] || echo "$mod $imod" >> "$index.edges"
    done
done

# 3. cycles: tsort names a loop when there is one
if ! tsort "$index.edges" > /dev/null 2> "$index.loop"; then
    say "an include cycle between modules: $(grep -v 'input contains a loop' "$index.loop" |
         sed 's/^tsort: //' | tr '\n' ' ')"
fi
rm -f "$index.loop"

# 2. a .c file's non-static functions are declared in the header of its name
for f in $files; do
    case $f in *.c) ;; *) continue ;; esac
    grep -q '^#include "[^"]*\.c"' "$f" && continue # the same source built again
    defs=$(awk '
        /^[A-Za-z_]/ && !/^(static|typedef|extern|struct|enum|union|const|#)/ && !/;[ \t]*$/ {
            line = $0
            if (match(line, /[A-Za-z_][A-Za-z0-9_]*\(/)) {
                name = substr(line, RSTART, RLENGTH - 1)
                # main, attributes, and the statics a macro stamps out (s_..., S_...)
                if (name != "main" && name !~ /^(s_|S_|__)/) print name
            }
        }' "$f")
    [ -n "$defs" ] || continue
    h="${f%.c}.h"
    for d in $defs; do
        if [ ! -f "$h" ]; then
            say "$f defines $d, but there is no $(basename "$h") to declare it"
        elif ! grep -qw "$d" "$h"; then
            say "$f defines $d, not declared in $(basename "$h")"
        fi
    done
done

[ $fail = 0 ] && echo "check_layout: layers, one header per module, no include cycle: ok"
exit $fail
