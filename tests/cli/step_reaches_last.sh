#!/bin/sh
# --step reaches every step a format allows: a sparse .npy of shape
# (4294967295, 1) (the most steps any format has: 2^32 - 1) shows its last
# step, index 4294967294; one more is refused by the option parser.
# The file is a hole (8 GiB apparent, no disk); skipped where holes are not.
t=$(mktemp -d) || exit 1
trap 'rm -rf "$t"' EXIT
python3 - "$t/last.npy" <<'PY' || exit 1
import struct, sys
d = "{'descr': '<f2', 'fortran_order': False, 'shape': (4294967295, 1), }"
h = (d + " " * ((64 - (10 + len(d) + 1) % 64) % 64) + "\n").encode()
with open(sys.argv[1], "wb") as f:
    f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(h)) + h)
    f.truncate(len(h) + 10 + 4294967295 * 2)
PY
if [ "$(du -k "$t/last.npy" | cut -f1)" -gt 1024 ]; then echo "skipped: no sparse files here"; exit 0; fi
out=$("$LS" show "$t/last.npy" --step 4294967294 --json 2>&1); rc=$?
[ $rc = 0 ] || { echo "--step 4294967294: rc $rc: $out"; exit 1; }
echo "$out" | grep -q '"step":	4294967294' || { echo "--step 4294967294: $out" | head -5; exit 1; }
out=$("$LS" show "$t/last.npy" --step 4294967295 2>&1); rc=$?
[ $rc = 2 ] && [ "$out" = "logitscope: --step: 4294967295 is out of range [0, 4294967294]" ] || { echo "one past: rc $rc: $out"; exit 1; }
echo ok
