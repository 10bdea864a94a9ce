#!/bin/sh
# Scale check for the .npy loader (issue 3): a 1 GiB [2048, 131072] float32
# file must open and show its last step in under 0.3 s and 64 MiB of heap.
# Generates the file in ${TMPDIR:-/tmp} (not committed), then measures with
# /usr/bin/time -v. Usage: sh tests/bench/npy_big.sh [./logitscope]
LS=${1:-./logitscope}
F=${TMPDIR:-/tmp}/logitscope_big_$$.npy
FF=${TMPDIR:-/tmp}/logitscope_big_fortran_$$.npy
trap 'rm -f "$F" "$FF"' EXIT
python3 - "$F" "$FF" <<'PY'
import struct, sys
S, V = 2048, 131072
def hdr(fortran):
    d = "{'descr': '<f4', 'fortran_order': %s, 'shape': (%d, %d), }" % ("True" if fortran else "False", S, V)
    pad = (64 - (10 + len(d) + 1) % 64) % 64
    h = (d + " " * pad + "\n").encode()
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(h)) + h
row = struct.pack("<%df" % V, *[-(i % 1000) * 0.01 for i in range(V)])
for path, fortran in ((sys.argv[1], False), (sys.argv[2], True)):
    with open(path, "wb") as f:
        f.write(hdr(fortran))
        # C order: the same row per step; Fortran: any bytes of the right size
        for s in range(S):
            f.write(row)
PY
ls -l "$F" "$FF"
for mode in C Fortran; do
    file=$F; [ $mode = Fortran ] && file=$FF
    echo "== $mode order: show --step 2047"
    /usr/bin/time -v "$LS" show "$file" --step 2047 --top 3 2>"$F.time" >/dev/null
    rc=$?
    grep -E 'Elapsed|Maximum resident' "$F.time"
    [ $rc = 0 ] || { echo "exit $rc"; cat "$F.time"; }
    rm -f "$F.time"
    t0=$(date +%s%N); "$LS" show "$file" --step 2047 --top 3 >/dev/null 2>&1; t1=$(date +%s%N)
    echo "wall (date +%N): $(( (t1 - t0) / 1000000 )) ms"
done
