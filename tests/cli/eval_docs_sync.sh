#!/bin/sh
# Every evaluator definition printed by `eval --json` appears word for word
# in docs/EVALUATORS.md (whitespace normalised).
"$LS" eval tests/data/eval/two.json -n 1 --json | python3 -c '
import json, re, sys
defs = json.load(sys.stdin)["definitions"]
doc = re.sub(r"\s+", " ", open("docs/EVALUATORS.md", encoding="utf-8").read())
bad = [k for k, v in defs.items() if re.sub(r"\s+", " ", v) not in doc]
if bad:
    print("docs/EVALUATORS.md lacks the current definition of:", ", ".join(bad))
    sys.exit(1)
print("ok:", len(defs), "definitions")
'
