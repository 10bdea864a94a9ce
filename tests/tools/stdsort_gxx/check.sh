#!/bin/sh
# tests/tools/stdsort_gxx/check.sh B: our libstdc++ emulation (core/sampling/
# stdsort.c: partial_sort, the streamed partial_sort, sort) against g++'s
# own std::partial_sort and std::sort on tie-heavy arrays: the same ids in
# the same order. Skipped (exit 0, saying so) when g++ is not installed.
B=${1:-build}
D=$(dirname "$0")
command -v g++ >/dev/null 2>&1 || { echo "stdsort vs g++: skipped (no g++)"; exit 0; }
T=$(mktemp -d) || exit 1
trap 'rm -rf "$T"' EXIT
g++ -O2 -std=c++17 -o "$T/ref" "$D/ref.cpp" || { echo "FAIL: ref.cpp does not build"; exit 1; }
${CC:-gcc} -std=c11 -O2 -Icore -o "$T/emu" "$D/emu_driver.c" "$B/libcore.a" $(pkg-config --libs libcjson zlib 2>/dev/null) -lm ||
    { echo "FAIL: emu_driver.c does not build"; exit 1; }
"$T/emu" gen 300 > "$T/cases" && "$T/ref" < "$T/cases" > "$T/want" && "$T/emu" emu 300 > "$T/got" ||
    { echo "FAIL: stdsort vs g++: a program failed"; exit 1; }
cmp -s "$T/want" "$T/got" || { echo "FAIL: stdsort differs from g++'s libstdc++ (first difference below)"; diff "$T/want" "$T/got" | head -4; exit 1; }
echo "stdsort vs g++: 300 tie-heavy arrays, partial_sort (whole and streamed) and sort give libstdc++'s order"
