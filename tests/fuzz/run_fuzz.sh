#!/bin/sh
# make fuzz: run every libFuzzer target (tests/fuzz/fuzz_*.c) for $1 seconds
# (default 60) with clang-14 -fsanitize=fuzzer,address,undefined, starting
# from its seed corpus. New interesting inputs go to build/fuzz/<name>/ (not
# the committed corpus); crashes are written to build/fuzz/crash-<name>-*.
# Prints executions per target from -print_final_stats.
# --compile-check (make check): compile core/ and every target with clang
# once, no sanitizers, no link, no run, so that code GCC takes and clang
# refuses (a vector passed by value between functions of different target
# attributes, a CPU feature name it does not know) fails make check
# instead of the next make fuzz; skipped, and says so, without clang.
T=${1:-60}
CLANG=${CLANG:-clang-14}
CF="$(pkg-config --cflags libcjson zlib) -Icore -D_XOPEN_SOURCE=700 -D_DEFAULT_SOURCE -std=c11 -g -O1 -Wno-psabi"
LIBS="$(pkg-config --libs libcjson zlib) -lm"
if [ "$T" = "--compile-check" ]; then
    command -v "$CLANG" >/dev/null || { echo "clang build check: skipped ($CLANG not found)"; exit 0; }
    export CLANG CF
    files=$(ls core/*/*.c tests/fuzz/fuzz_*.c)
    n=$(echo "$files" | wc -l)
    echo "$files" | xargs -P 2 -n 1 sh -c \
        '$CLANG $CF -O0 -c "$0" -o /dev/null || { echo "clang build check: $0 does not compile with $CLANG (make fuzz builds with it)"; exit 255; }' ||
        exit 1
    echo "clang build check: $n files compile with $CLANG"
    exit 0
fi
command -v "$CLANG" >/dev/null || { echo "make fuzz: $CLANG not found (apt-get install clang-14 libclang-rt-14-dev)"; exit 2; }
mkdir -p build/fuzz
# core/ compiled once (with libFuzzer's coverage: fuzzer-no-link), two at a
# time, into one archive every target links: before, each target compiled
# all of core/ again, some 100 s of its own
SAN="-fsanitize=address,undefined -fno-sanitize-recover=all"
export CLANG CF SAN
rm -rf build/fuzz/obj build/fuzz/libcore_fuzz.a && mkdir -p build/fuzz/obj
ls core/*/*.c | xargs -P 2 -n 1 sh -c \
    '$CLANG $CF $SAN -fsanitize=fuzzer-no-link -c "$0" -o "build/fuzz/obj/$(echo "$0" | tr / _).o"' || exit 1
ar rcs build/fuzz/libcore_fuzz.a build/fuzz/obj/*.o || exit 1
fail=0
for src in tests/fuzz/fuzz_*.c; do
    name=$(basename "$src" .c | sed 's/^fuzz_//')
    bin=build/fuzz/fuzz_$name
    $CLANG $CF $SAN -fsanitize=fuzzer "$src" build/fuzz/libcore_fuzz.a -o "$bin" $LIBS || { fail=1; continue; }
    mkdir -p "build/fuzz/$name"
    echo "== $name ($T s)"
    "$bin" -max_total_time="$T" -print_final_stats=1 -artifact_prefix="build/fuzz/crash-$name-" \
        -timeout=5 -rss_limit_mb=2048 "build/fuzz/$name" "tests/fuzz/corpus/$name" 2>&1 |
        grep -E 'stat::number_of_executed_units|stat::average_exec_per_sec|ERROR|SUMMARY' || true
    ls build/fuzz/crash-$name-* >/dev/null 2>&1 && { echo "CRASH in $name"; fail=1; }
done
exit $fail
