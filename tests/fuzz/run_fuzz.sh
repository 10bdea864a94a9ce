#!/bin/sh
# make fuzz: run every libFuzzer target (tests/fuzz/fuzz_*.c) for $1 seconds
# (default 60) with clang-14 -fsanitize=fuzzer,address,undefined, starting
# from its seed corpus. New interesting inputs go to build/fuzz/<name>/ (not
# the committed corpus); crashes are written to build/fuzz/crash-<name>-*.
# Prints executions per target from -print_final_stats.
T=${1:-60}
CLANG=${CLANG:-clang-14}
command -v "$CLANG" >/dev/null || { echo "make fuzz: $CLANG not found (apt-get install clang-14 libclang-rt-14-dev)"; exit 2; }
mkdir -p build/fuzz
CF="$(pkg-config --cflags libcjson zlib) -Icore -D_XOPEN_SOURCE=700 -D_DEFAULT_SOURCE -std=c11 -g -O1 -Wno-psabi"
LIBS="$(pkg-config --libs libcjson zlib) -lm"
fail=0
for src in tests/fuzz/fuzz_*.c; do
    name=$(basename "$src" .c | sed 's/^fuzz_//')
    bin=build/fuzz/fuzz_$name
    $CLANG $CF -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
        "$src" core/*/*.c -o "$bin" $LIBS || { fail=1; continue; }
    mkdir -p "build/fuzz/$name"
    echo "== $name ($T s)"
    "$bin" -max_total_time="$T" -print_final_stats=1 -artifact_prefix="build/fuzz/crash-$name-" \
        -timeout=5 -rss_limit_mb=2048 "build/fuzz/$name" "tests/fuzz/corpus/$name" 2>&1 |
        grep -E 'stat::number_of_executed_units|stat::average_exec_per_sec|ERROR|SUMMARY' || true
    ls build/fuzz/crash-$name-* >/dev/null 2>&1 && { echo "CRASH in $name"; fail=1; }
done
exit $fail
