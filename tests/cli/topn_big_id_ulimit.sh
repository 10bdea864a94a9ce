#!/bin/sh
# issue 14 item 4: one token id near 2^24 in a sparse API file must not make
# every step dense over 16.7 M entries. Under a 300 MB address-space limit,
# eval over 2000 steps gives a clean result within 2 s (a dense step would need
# 16.7 M entries: exit 5 at best).
LS=${LS:-./logitscope}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
python3 - "$tmp/big.json" <<'PY'
import json, sys
steps = []
for i in range(2000):
    a = i % 2 == 1
    e = lambda big: {"id": 16777215 if big else 7, "token": "a" if big else "c", "bytes": [97 if big else 99]}
    top = [dict(e(a), logprob=-0.1), dict(e(not a), logprob=-2.5)]
    steps.append(dict(e(a), logprob=-0.1, top_logprobs=top))
json.dump({"content": "x", "completion_probabilities": steps}, open(sys.argv[1], "w"))
PY
# a sanitizer build reserves terabytes of address space: no ulimit there,
# and more time
lim="ulimit -v 300000;" max=2000
if ldd "$LS" 2>/dev/null | grep -q -e libasan -e libubsan; then lim="" max=20000; fi
start=$(date +%s%N)
( eval "$lim" exec "\"$LS\"" eval "\"$tmp/big.json\"" -n 5 ) >"$tmp/out" 2>"$tmp/err"
rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
# O(listed tokens): a clean result, not even the exit 5 a dense step would need
if [ $rc != 0 ]; then echo "rc $rc"; cat "$tmp/err"; exit 1; fi
if [ $ms -gt $max ]; then echo "took $ms ms"; exit 1; fi
if ! grep -q "^perplexity_raw  *1.10517 " "$tmp/out"; then cat "$tmp/out"; exit 1; fi
exit 0
