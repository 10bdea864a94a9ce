#!/bin/sh
# A command that leaves a process in a new session (setsid) is cleaned up
# after the timeout: logitscope is a child subreaper (Linux), so the
# orphaned sleep becomes its child and is killed.
tag=31.$$
"$LS" eval tests/data/eval/jsonish.json -n 1 --evaluator x="setsid sleep $tag & echo 1" \
    --evaluator-timeout 0.3 >/dev/null 2>"${TMPDIR:-/tmp}/setsid.$$.err"
rc=$?
msg=$(cat "${TMPDIR:-/tmp}/setsid.$$.err"); rm -f "${TMPDIR:-/tmp}/setsid.$$.err"
[ $rc = 5 ] || { echo "rc $rc, want 5: $msg"; exit 1; }
[ "$msg" = "logitscope: evaluator x: timed out after 0.3 s on sample 0 (--evaluator-timeout)" ] || { echo "message: $msg"; exit 1; }
if ps -eo args | grep -q "^sleep $tag\$"; then
    echo "sleep $tag survived the timeout"; pkill -f "^sleep $tag\$"; exit 1
fi
echo ok
