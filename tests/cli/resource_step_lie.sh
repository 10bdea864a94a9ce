#!/bin/sh
# Resource bound (issue 14 item 5): a tiny sparse .npy whose header claims
# 134,217,728 (or 2^31) steps. Whatever keeps memory per step refuses at
# once with exit 5 and a message naming the step count, under `ulimit -v`
# (1 GB of address space) and within 2 seconds. An ASan build cannot start
# under ulimit -v (its shadow memory), so it runs the same checks without it.
t=$(mktemp -d) || exit 1
trap 'rm -rf "$t"' EXIT
python3 - "$t" <<'PY'
import struct, sys
for name, shape, n in (("lie.npy", "(134217728, 1)", 134217728), ("lie8.npy", "(2147483648, 8)", 2147483648 * 8)):
    d = "{'descr': '<f4', 'fortran_order': False, 'shape': %s, }" % shape
    h = (d + " " * ((64 - (10 + len(d) + 1) % 64) % 64) + "\n").encode()
    with open(sys.argv[1] + "/" + name, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(h)) + h)
        f.truncate(len(h) + 10 + n * 4)   # a hole: no disk space used
PY
LIMIT="ulimit -v 1000000;"
sh -c 'ulimit -v 1000000; exec "$1" --version' sh "$LS" >/dev/null 2>&1 || LIMIT=""
printf ':q\n' > "$t/q.script"
fail=0
check() { # name, expected message, command...
    name=$1; want=$2; shift 2
    start=$(date +%s%N)
    sh -c "$LIMIT exec \"\$@\"" sh "$@" >/dev/null 2>"$t/err"; rc=$?
    ms=$(( ($(date +%s%N) - start) / 1000000 ))
    got=$(cat "$t/err")
    if [ $rc != 5 ] || [ "$got" != "$want" ] || [ $ms -gt 2000 ]; then
        echo "FAIL $name: rc $rc (want 5), ${ms} ms (at most 2000)"; echo "  got:  $got"; echo "  want: $want"; fail=1
    fi
}
for f in lie lie8; do
    n=134217728; [ $f = lie8 ] && n=2147483648
    gib() { awk -v n=$n -v b=$1 'BEGIN { printf "%.1f", n * b / 1073741824 }'; }
    check "$f info --json" "logitscope: $t/$f.npy: $n steps: the JSON listing of every step would take $(gib 440) GiB (440 bytes per step), over the limit of 1 GiB" \
        "$LS" info --json "$t/$f.npy"
    check "$f diff" "logitscope: $n steps: the per-step divergences would take $(gib 220) GiB (220 bytes per step), over the limit of 1 GiB" \
        "$LS" diff "$t/$f.npy" "$t/$f.npy"
    check "$f explorer" "logitscope: $t/$f.npy: $n steps: the explorer's sequence tables would take $(gib 24) GiB (24 bytes per step), over the limit of 1 GiB" \
        env LINES=24 COLUMNS=80 "$LS" "$t/$f.npy" --script "$t/q.script"
    check "$f eval" "logitscope: 1 samples x $n steps x 1 settings = $n continuation tokens exceeds the limit of 67108864 (use fewer samples)" \
        "$LS" eval "$t/$f.npy" -n 1
done
[ $fail = 0 ] && echo ok
exit $fail
