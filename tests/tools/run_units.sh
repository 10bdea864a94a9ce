#!/bin/sh
# Run every cmocka unit-test binary; fail if any fails.
fail=0
for t in "$@"; do
    if ! "$t" >"$t.log" 2>&1; then
        echo "FAIL: $t"; cat "$t.log"; fail=1
    else
        echo "ok: $t ($(grep -c '\[       OK \]' "$t.log") tests)"
    fi
done
exit $fail
