#!/bin/sh
# Input files are never modified, whatever the outcome: checksum and mtime
# of every native fixture before and after show/sample runs (including the
# failing ones).
LS=${LS:-./logitscope}
fail=0
for f in tests/data/native/*.json samples/demo.json; do
    before=$(sha256sum "$f" | cut -d' ' -f1)$(stat -c %Y "$f")
    "$LS" show "$f" --json >/dev/null 2>&1
    "$LS" sample "$f" -n 3 >/dev/null 2>&1
    "$LS" show "$f" --allow-nonfinite --top all >/dev/null 2>&1
    after=$(sha256sum "$f" | cut -d' ' -f1)$(stat -c %Y "$f")
    [ "$before" = "$after" ] || { echo "FAIL: $f changed"; fail=1; }
done
exit $fail
