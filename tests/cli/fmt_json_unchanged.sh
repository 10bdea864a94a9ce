#!/bin/sh
# Input files are never modified, whatever the outcome: sha256 and mtime of
# every JSON API sample and malformed fixture before and after info, show
# and sample runs (including the failing ones).
LS=${LS:-./logitscope}
fail=0
for f in samples/*.json samples/*.jsonl tests/data/json/*.json tests/data/json/*.jsonl tests/data/json/sse.txt; do
    before=$(sha256sum "$f" | cut -d' ' -f1)$(stat -c %Y "$f")
    "$LS" info "$f" --json >/dev/null 2>&1
    "$LS" show "$f" --json >/dev/null 2>&1
    "$LS" sample "$f" --all >/dev/null 2>&1
    after=$(sha256sum "$f" | cut -d' ' -f1)$(stat -c %Y "$f")
    [ "$before" = "$after" ] || { echo "FAIL: $f changed"; fail=1; }
done
exit $fail
