#!/bin/sh
# func_lengths.sh [MAX] [FILES...]: list C functions longer than MAX lines
# (default 80), body from the opening '{' in column 0 to the closing '}' in
# column 0 (the project's style). Prints "file:line name length".
max=${1:-80}
[ $# -gt 0 ] && shift
[ $# -gt 0 ] || set -- $(find core tui -name '*.c' | sort)
awk -v max="$max" '
    FNR == 1 { prev = ""; start = 0 }
    /^\{/ { start = FNR; name = prev; sub(/\(.*/, "", name); n = split(name, w, /[ *]+/); name = w[n]; next }
    /^\}/ && start { len = FNR - start + 1; if (len > max) printf "%s:%d %s %d\n", FILENAME, start, name, len; start = 0 }
    { if ($0 !~ /^[ \t]/ && $0 != "") prev = $0 }
' "$@"
