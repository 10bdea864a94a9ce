#!/bin/sh
# Peak memory and load time of JSON loading (issue 14 item 6), per format:
# generates a file of each JSON input format (tests/bench/gen_json_big.py,
# about $MB MB each, default 64, in ${TMPDIR:-/tmp}) and loads it with
# build/tests/bench_json_load under /usr/bin/time -v, the default way
# (validated text, skeletons, lazy arrays) and the old way (whole cJSON
# trees), alternating, $REPS times each (default 3). Prints the median peak
# RSS ("Maximum resident set size") as a multiple of the file size, and the
# median CPU time (user + sys: the machine is shared, wall time is noisy).
# Figures, never pass/fail. Usage: sh tests/bench/json_peak.sh [MB] [format.json ...]
B=${B:-build}
BIN=$B/tests/bench_json_load
MB=${1:-64}
[ $# -gt 0 ] && shift
REPS=${REPS:-3}
D=${TMPDIR:-/tmp}/logitscope_json_peak_$$
trap 'rm -rf "$D"' EXIT
[ -x "$BIN" ] || { echo "json_peak: build $BIN first (make $BIN)"; exit 0; }
command -v /usr/bin/time >/dev/null || { echo "json_peak: /usr/bin/time not found"; exit 0; }
python3 tests/bench/gen_json_big.py "$D" "$MB" "$@" >/dev/null || exit 1
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
printf '%-26s %9s | %-22s | %-22s | %s\n' file MB "whole trees: peak  cpu" "skeletons: peak  cpu" "cpu new/old"
for f in "$D"/*; do
    size=$(wc -c < "$f")
    for mode in whole lazy; do : > "$D/.$mode.rss"; : > "$D/.$mode.cpu"; done
    i=0
    while [ $i -lt "$REPS" ]; do
        for mode in whole lazy; do
            /usr/bin/time -v "$BIN" "$f" $mode >/dev/null 2>"$D/.t" || { echo "$f $mode failed"; cat "$D/.t"; }
            awk -F: '/Maximum resident set size/ {print $2+0}' "$D/.t" >> "$D/.$mode.rss"
            awk -F: '/User time|System time/ {s += $2} END {print s}' "$D/.t" >> "$D/.$mode.cpu"
        done
        i=$((i + 1))
    done
    wr=$(median < "$D/.whole.rss"); lr=$(median < "$D/.lazy.rss")
    wc=$(median < "$D/.whole.cpu"); lc=$(median < "$D/.lazy.cpu")
    awk -v f="$(basename "$f")" -v s="$size" -v wr="$wr" -v lr="$lr" -v wc="$wc" -v lc="$lc" 'BEGIN {
        printf "%-26s %9.1f | %5.0f MB %5.1fx %5.2f s | %5.0f MB %5.1fx %5.2f s | %.2f\n", f, s / 1048576,
               wr / 1024, wr * 1024 / s, wc, lr / 1024, lr * 1024 / s, lc, (wc > 0 ? lc / wc : 0) }'
done
