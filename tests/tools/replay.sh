#!/bin/sh
# Replay each fuzz target's corpus (tests/fuzz/corpus/<target>/) through its
# plain driver. A crash or sanitizer report fails the run.
fail=0
for r in "$@"; do
    name=$(basename "$r" | sed 's/^replay_fuzz_//')
    dir=tests/fuzz/corpus/$name
    if [ ! -d "$dir" ]; then echo "FAIL: no corpus $dir for $r"; fail=1; continue; fi
    if ! "$r" "$dir"/* >"$r.log" 2>&1; then echo "FAIL: replay $name"; tail -30 "$r.log"; fail=1
    else echo "ok: replay $name ($(ls "$dir" | wc -l) inputs)"; fi
done
exit $fail
