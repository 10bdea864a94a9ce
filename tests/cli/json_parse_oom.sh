#!/bin/sh
# A 13.5 MB OpenAI response loads under a 100 MB address-space limit (lazy
# arrays); parsed as a whole cJSON tree it runs out of memory, which is
# exit 5 with "out of memory loading JSON", never "invalid JSON" (exit 4).
# A 45 MB one does not fit even in pieces (about 3x the file at most): the
# message gives the file's size and what 3x of it is, not a piece's. An ASan
# build cannot start under ulimit -v (its shadow memory): skipped there.
sh -c 'ulimit -v 100000; exec "$1" --version' sh "$LS" >/dev/null 2>&1 || { echo "skipped: no ulimit -v for this build"; exit 0; }
t=$(mktemp -d) || exit 1
trap 'rm -rf "$t"' EXIT
python3 - "$t" <<'PY'
import json, sys
for name, n in (("big", 60000), ("huge", 200000)):
    content = [{"token": "t%d" % i, "logprob": -0.5,
                "top_logprobs": [{"token": "a%d" % j, "logprob": -1.0 - j} for j in range(5)]} for i in range(n)]
    doc = {"choices": [{"index": 0, "message": {"role": "assistant", "content": ""}, "logprobs": {"content": content}}]}
    open("%s/%s.json" % (sys.argv[1], name), "w").write(json.dumps(doc))
PY
size=$(wc -c < "$t/big.json")
# strict JSON: skeletons and lazy arrays (about 2x the file) fit
out=$(sh -c 'ulimit -v 100000; exec "$@"' sh "$LS" info "$t/big.json" 2>&1 >/dev/null); rc=$?
[ $rc = 0 ] || { echo "strict: rc $rc: $out"; exit 1; }
# a form feed after the value: cJSON takes it as a blank, the scanner does
# not, so the text is parsed as one whole cJSON tree, which does not fit
printf '\f' >> "$t/big.json"
size=$((size + 1))
out=$(sh -c 'ulimit -v 100000; exec "$@"' sh "$LS" info "$t/big.json" 2>&1 >/dev/null); rc=$?
mb=$(( (size + 500000) / 1000000 )); need=$(( (size * 16 + 500000) / 1000000 ))
want="logitscope: $t/big.json: out of memory loading JSON: this $size-byte file ($mb MB) needs up to about $need MB while loading (text beyond strict JSON, such as the number 007, is parsed as one cJSON tree, up to 16x its size); free memory or raise the memory limit (ulimit -v), or rewrite it as strict JSON (about 3x)"
[ $rc = 5 ] && [ "$out" = "$want" ] || { echo "rc $rc: $out"; exit 1; }
# strict, in pieces, but too big for the limit: the file's figure
size=$(wc -c < "$t/huge.json")
out=$(sh -c 'ulimit -v 100000; exec "$@"' sh "$LS" info "$t/huge.json" 2>&1 >/dev/null); rc=$?
mb=$(( (size + 500000) / 1000000 )); need=$(( (size * 3 + 500000) / 1000000 ))
want="logitscope: $t/huge.json: out of memory loading JSON: this $size-byte file ($mb MB) needs up to about $need MB while loading (3x its size); free memory or raise the memory limit (ulimit -v)"
[ $rc = 5 ] && [ "$out" = "$want" ] || { echo "huge: rc $rc: $out"; exit 1; }
echo ok
