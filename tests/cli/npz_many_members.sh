#!/bin/sh
# An .npz whose array is member 4201 (NumPy loads it): found by name past the
# old 4096-member scan cap; without a name, the message says the cap of
# members tried was hit instead of "no array".
t=$(mktemp -d) || exit 1
trap 'rm -rf "$t"' EXIT
python3 - "$t/many.npz" <<'PY'
import struct, sys, zipfile
def npy(descr, shape, data):
    h = "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (descr, shape)
    h += " " * (63 - (10 + len(h)) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(h)) + h.encode() + data
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_STORED) as z:
    for i in range(4200):
        z.writestr("i%d.npy" % i, npy("|i1", "(2,)", b"\x01\x02"))
    z.writestr("logits.npy", npy("<f4", "(1, 3)", struct.pack("<3f", 1.0, 2.0, 3.0)))
PY
out=$("$LS" info "$t/many.npz" --tensor logits 2>&1); rc=$?
[ $rc = 0 ] || { echo "--tensor logits: rc $rc: $out"; exit 1; }
echo "$out" | grep -q "vocab size   3" || { echo "--tensor logits: $out"; exit 1; }
out=$("$LS" info "$t/many.npz" 2>&1); rc=$?
want="logitscope: $t/many.npz: npz: no float array among the first 4096 of 4201 .npy members (the limit of members tried; name the array with --tensor)"
[ $rc = 4 ] && [ "$out" = "$want" ] || { echo "no name: rc $rc: $out"; exit 1; }
echo ok
