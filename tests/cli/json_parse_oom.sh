#!/bin/sh
# A 13.5 MB OpenAI response loads under a 100 MB address-space limit (lazy
# arrays); parsed as a whole cJSON tree it runs out of memory, which is
# exit 5 with "out of memory parsing", never "invalid JSON" (exit 4). An ASan build cannot start under ulimit -v
# (its shadow memory): skipped there.
sh -c 'ulimit -v 100000; exec "$1" --version' sh "$LS" >/dev/null 2>&1 || { echo "skipped: no ulimit -v for this build"; exit 0; }
t=$(mktemp -d) || exit 1
trap 'rm -rf "$t"' EXIT
python3 - "$t/big.json" <<'PY'
import json, sys
content = [{"token": "t%d" % i, "logprob": -0.5,
            "top_logprobs": [{"token": "a%d" % j, "logprob": -1.0 - j} for j in range(5)]} for i in range(60000)]
doc = {"choices": [{"index": 0, "message": {"role": "assistant", "content": ""}, "logprobs": {"content": content}}]}
open(sys.argv[1], "w").write(json.dumps(doc))
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
want="logitscope: $t/big.json: out of memory parsing $size bytes of JSON (a whole cJSON tree takes up to about 16 times the text)"
[ $rc = 5 ] && [ "$out" = "$want" ] || { echo "rc $rc: $out"; exit 1; }
echo ok
