#!/bin/sh
# CLI golden tests. Each case is tests/cli/NAME.cmd: one shell command line
# run from the repository root with $LS set to the binary under test. The
# case passes when stdout, stderr and the exit code equal NAME.out, NAME.err
# and NAME.rc. UPDATE=1 rewrites the expected files (review the diff!).
# A case may also be NAME.sh: a script that exits non-zero on failure (for
# checks such as "input file unchanged" that are not plain output diffs).
LS=${1:-./logitscope}
case "$LS" in /*) ;; *) LS="$(pwd)/$LS" ;; esac
export LS LC_ALL=C.UTF-8 TZ=UTC
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
pass=0; fail=0
for cmd in tests/cli/*.cmd; do
    [ -e "$cmd" ] || continue
    name=${cmd%.cmd}
    sh -c "$(cat "$cmd")" >"$tmp/out" 2>"$tmp/err"
    echo $? >"$tmp/rc"
    if [ "$UPDATE" = 1 ]; then
        cp "$tmp/out" "$name.out"; cp "$tmp/err" "$name.err"; cp "$tmp/rc" "$name.rc"
    fi
    ok=1
    for k in out err rc; do
        if ! cmp -s "$tmp/$k" "$name.$k"; then
            ok=0
            echo "FAIL: $name ($k differs)"
            diff -u "$name.$k" "$tmp/$k" | head -40
        fi
    done
    if [ $ok = 1 ]; then pass=$((pass+1)); else fail=$((fail+1)); fi
done
for sc in tests/cli/*.sh; do
    [ "$sc" = tests/cli/run.sh ] && continue
    [ -e "$sc" ] || continue
    if sh "$sc" >"$tmp/out" 2>&1; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL: $sc"; tail -20 "$tmp/out"; fi
done
echo "cli tests: $pass passed, $fail failed"
[ $fail = 0 ]
