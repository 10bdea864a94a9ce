#!/bin/sh
# The built-in model: the valid-JSON share of whole generated continuations
# of a JSON prompt falls as the temperature rises (sweep at 0, 0.4, 0.7, 1.0
# with 60 continuations), starting at 1 for greedy decoding. Checks the
# trend, not the digits, so retraining the model with the same shape keeps
# it passing. (samples/demo.json is a dump of the model now: per-step draws
# along its recorded path are not whole continuations, so the trend is
# checked on generations.)
out=$("$LS" sweep --model samples/model.lsm --prompt '{"name": "' -n 60 --json) || exit 1
shares=$(printf '%s\n' "$out" | sed -n 's/^[[:space:]]*"json_valid_share":[[:space:]]*\([0-9.e-]*\),*$/\1/p')
echo "shares: $shares"
set -- $shares
[ $# -eq 4 ] || { echo "expected 4 rows"; exit 1; }
awk -v a="$1" -v b="$2" -v c="$3" -v d="$4" 'BEGIN { exit !(a == 1 && a > b && b > c && c > d) }'
