#!/bin/sh
# check_func_lengths.sh: no function in core/ or tui/ longer than 80 lines
# (the style guide's limit; split computing from printing instead). The
# self-test feeds a 90-line function through the same counter.
here=$(dirname "$0")
long=$(sh "$here/func_lengths.sh" 80)
if [ -n "$long" ]; then
    echo "FAIL: functions over 80 lines (file:line name length):"; echo "$long"; exit 1
fi
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
{ echo "int f(void)"; echo "{"; i=0; while [ $i -lt 88 ]; do echo "    x++;"; i=$((i + 1)); done; echo "}"; } > "$tmp/long.c"
sh "$here/func_lengths.sh" 80 "$tmp/long.c" | grep -q " f 90$" || { echo "FAIL: function length check self-test"; exit 1; }
echo "ok: no function over 80 lines in core/ and tui/"
