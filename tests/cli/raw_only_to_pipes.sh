#!/bin/sh
# --raw: token text unescaped in table output to a pipe (hostile.json has
# tokens holding ESC), but a terminal always gets escapes.
esc=$(printf '\033')
n=$("$LS" show tests/tui/data/hostile.json --raw --top 40 | grep -c "$esc")
[ "$n" -gt 0 ] || { echo "--raw to a pipe: no raw ESC (got $n lines)"; exit 1; }
n=$("$LS" show tests/tui/data/hostile.json --top 40 | grep -c "$esc")
[ "$n" = 0 ] || { echo "without --raw: $n lines with raw ESC"; exit 1; }
if command -v script >/dev/null 2>&1; then
    n=$(TERM=dumb script -qec "$LS show tests/tui/data/hostile.json --raw --top 40" /dev/null | grep -c "$esc")
    [ "$n" = 0 ] || { echo "--raw to a terminal: $n lines with raw ESC"; exit 1; }
fi
echo ok
