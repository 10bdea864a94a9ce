#!/bin/sh
# sample --all on step workers prints what one worker prints, byte for byte
# (stdout, stderr, exit code; text and --json): float32 .npy steps lent from
# the map, float16 steps converted into each worker's own buffer, every
# preset's defaults, top-p only, min-p only, --exact, and chains that read
# the history (one worker). A NaN step (in a step another worker may hold)
# gives the serial error after the serial rows.
t=$(mktemp -d) || exit 1
trap 'rm -rf "$t"' EXIT
python3 - "$t" <<'PY' || exit 1
import math, random, struct, sys
S, V = 120, 3000
def npy(name, descr, fmt, nan_at=()):
    d = "{'descr': '%s', 'fortran_order': False, 'shape': (%d, %d), }" % (descr, S, V)
    h = (d + " " * ((64 - (10 + len(d) + 1) % 64) % 64) + "\n").encode()
    r = random.Random(7)
    with open(sys.argv[1] + "/" + name, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(h)) + h)
        for s in range(S):
            # a Zipf-like tail with plateaus (ties at the cut-offs)
            z = [round(-1.1 * math.log(1 + (i * 7919 + s * 104729) % V) + r.random(), 1) for i in range(V)]
            z[(s * 31) % V] = 4.0
            if s in nan_at: z[17] = float("nan")
            f.write(struct.pack("<%d%s" % (V, fmt), *z))
npy("a.npy", "<f4", "f")
npy("h.npy", "<f2", "e")
npy("nan.npy", "<f4", "f", (77, 90))
PY
fail=0
same() { # file, args...: threads 1 against 2 and 4
    f=$1; shift
    "$LS" sample "$t/$f" "$@" --threads 1 >"$t/o1" 2>"$t/e1"; r1=$?
    for n in 2 4; do
        "$LS" sample "$t/$f" "$@" --threads $n >"$t/on" 2>"$t/en"; rn=$?
        if ! cmp -s "$t/o1" "$t/on" || ! cmp -s "$t/e1" "$t/en" || [ $r1 != $rn ]; then
            echo "FAIL: $f $* --threads $n differs from --threads 1 (rc $r1 / $rn)"
            diff "$t/o1" "$t/on" | head -5; diff "$t/e1" "$t/en" | head -5; fail=1
        fi
    done
}
for f in a.npy h.npy; do
    for j in "" --json; do
        same $f --all --defaults llama.cpp $j
        same $f --all --defaults hf --seed 3 $j
        same $f --all --defaults vllm $j
        same $f --all --defaults llama.cpp --chain hf $j
        same $f --all -t 0.7 --top-p 0.9 $j
        same $f --all --defaults vllm -t 1 --min-p 0.05 $j
        same $f --all --defaults llama.cpp --exact $j
    done
done
same a.npy --all --defaults llama.cpp --repeat-penalty 1.2
same a.npy --all --defaults llama.cpp --mirostat 2
same a.npy --all --defaults llama.cpp --dry-multiplier 0.8 --json
# rows 0..76 printed, then the serial error at the first NaN step
same nan.npy --all --defaults llama.cpp
same nan.npy --all -t 0.7 --top-p 0.9 --json
"$LS" sample "$t/nan.npy" --all --defaults llama.cpp --threads 2 >"$t/o" 2>"$t/e"; rc=$?
[ $rc = 4 ] && [ "$(tail -1 "$t/o" | cut -c1-6)" = "    76" ] && grep -q "step 77: token 17: NaN logit" "$t/e" \
    || { echo "FAIL: NaN step: rc $rc, last row $(tail -1 "$t/o"), $(cat "$t/e")"; fail=1; }
[ $fail = 0 ] && echo ok
exit $fail
