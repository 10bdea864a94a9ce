#!/bin/sh
# The bundled demo: the valid-JSON share falls as temperature rises
# (sweep at 0, 0.4, 0.7, 1.0 with 200 continuations), starting at 1 for
# greedy decoding. Checks the trend, not the digits, so regenerating the demo
# with the same shape keeps it passing.
out=$("$LS" sweep samples/demo.json -n 200 --json) || exit 1
shares=$(printf '%s\n' "$out" | sed -n 's/^[[:space:]]*"json_valid_share":[[:space:]]*\([0-9.e-]*\),*$/\1/p')
echo "shares: $shares"
set -- $shares
[ $# -eq 4 ] || { echo "expected 4 rows"; exit 1; }
awk -v a="$1" -v b="$2" -v c="$3" -v d="$4" 'BEGIN { exit !(a == 1 && a > b && b > c && c > d) }'
