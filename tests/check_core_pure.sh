#!/bin/sh
# The core/ boundary and its layers.
#
# 1. Nothing under core/ may include curses or readline. core/ is also
#    compiled without their include flags and unit tests link without
#    -lncursesw/-lreadline, so a slip fails at build time as well.
# 2. core/ is a stack of folders, lowest first (README "Layout"):
#      base < sampling < input < model < eval < report < explorer < view < cli
#    (tui/ sits on top and may include any of them). A file may include
#    headers of its own folder and of lower folders only, always spelled
#    "folder/name.h" so the layer is visible at the include site.
#
# Usage: check_core_pure.sh [ROOT]   (ROOT defaults to .; the self-test
# runs the same checks on a scratch copy with an upward include planted.)
LAYERS="base sampling input model eval report explorer view cli"

rank() {  # rank NAME -> 0-based position in LAYERS, or -1
    i=0
    for l in $LAYERS; do
        [ "$l" = "$1" ] && { echo $i; return; }
        i=$((i + 1))
    done
    echo -1
}

check_tree() {  # check_tree ROOT -> prints violations, returns 1 if any
    root=$1
    fail=0
    bad=$(grep -rnE '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"][^>"]*(curses|readline|history\.h|term\.h)' \
          "$root/core" --include='*.c' --include='*.h' 2>/dev/null)
    if [ -n "$bad" ]; then
        echo "FAIL: core/ must not include curses or readline:"; echo "$bad"; fail=1
    fi
    for d in "$root"/core/*; do
        [ -d "$d" ] || continue
        own=$(basename "$d")
        r=$(rank "$own")
        if [ "$r" -lt 0 ]; then
            echo "FAIL: core/$own is not a known layer (add it to LAYERS here and to README)"; fail=1; continue
        fi
        for f in "$d"/*.c "$d"/*.h; do
            [ -f "$f" ] || continue
            # every quoted include: "folder/name.h"
            grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$f" | while IFS= read -r line; do
                inc=$(printf '%s\n' "$line" | sed -E 's/^[0-9]+:[[:space:]]*#[[:space:]]*include[[:space:]]*"([^"]*)".*/\1/')
                n=${line%%:*}
                case "$inc" in
                    */*) dir=${inc%%/*} ;;
                    *) echo "FAIL: ${f#$root/}:$n: include \"$inc\" must name its folder (\"$own/$inc\" or a lower layer)"; echo x; continue ;;
                esac
                ir=$(rank "$dir")
                if [ "$ir" -lt 0 ]; then
                    echo "FAIL: ${f#$root/}:$n: include \"$inc\" is not in a core/ layer"; echo x
                elif [ "$ir" -gt "$r" ]; then
                    echo "FAIL: ${f#$root/}:$n: core/$own may not include \"$inc\" (core/$dir is a higher layer)"; echo x
                fi
            done
        done
    done > "$root/.layer_check.out"
    if grep -q '^FAIL' "$root/.layer_check.out"; then
        grep '^FAIL' "$root/.layer_check.out"; fail=1
    fi
    rm -f "$root/.layer_check.out"
    return $fail
}

ROOT=${1:-.}
check_tree "$ROOT" || exit 1

# Self-test: plant an upward include and a curses include in a scratch copy;
# the check must fail on each (a check that cannot fail is no check).
if [ -z "$1" ]; then
    tmp=$(mktemp -d) || exit 1
    trap 'rm -rf "$tmp"' EXIT
    cp -R core "$tmp/core"
    printf '#include "cli/cli.h"\n' >> "$tmp/core/base/status.h"
    out=$(check_tree "$tmp") && { echo "FAIL: layer check missed an upward include"; exit 1; }
    printf '%s\n' "$out" | grep -q 'core/base may not include "cli/cli.h"' || { echo "FAIL: layer check self-test: $out"; exit 1; }
    rm -rf "$tmp/core"; cp -R core "$tmp/core"
    printf '#include <ncurses.h>\n' >> "$tmp/core/base/rng.c"
    check_tree "$tmp" >/dev/null && { echo "FAIL: boundary check missed a curses include"; exit 1; }
fi
echo "ok: core/ boundary (no curses/readline) and layers ($LAYERS: no upward include)"
