# cmp_ref_gen.py OUTDIR: the float32 .npy dumps cmp_ref.sh compares on:
# peaked [24, 131072] steps; broad, quantised [40, 32000] steps with ties,
# -inf masks, a 1e30 and all-equal steps; a [30, 50] file
import array, math, random, struct, sys
def npy(path, rows, V):
    d = "{'descr': '<f4', 'fortran_order': False, 'shape': (%d, %d), }" % (len(rows), V)
    pad = (64 - (10 + len(d) + 1) % 64) % 64
    h = (d + " " * pad + "\n").encode()
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(h)) + h)
        for r in rows: f.write(array.array('f', r).tobytes())
out = sys.argv[1]; R = random.Random(7)
def peaked(V, s):
    z = [-1.1 * math.log(((i * 2654435761 + s * 97) % V) + 1) + (R.random() - .5) * .5 for i in range(V)]
    z[(s * 7919) % V] = 3.0; return z
def flat(V, s):
    q = [0.25, 0.5, 1.0][s % 3]
    z = [round(R.gauss(0, 2 + s % 4) / q) * q for i in range(V)]
    if s % 5 == 1:
        for i in range(0, V, 7): z[i] = float('-inf')
    if s % 7 == 2: z[3] = 1e30 if s % 2 else 60.0
    if s % 11 == 4: z = [0.0] * V
    return z
npy(out + "/pk.npy", [peaked(131072, s) for s in range(24)], 131072)
npy(out + "/flat.npy", [flat(32000, s) for s in range(40)], 32000)
npy(out + "/small.npy", [flat(50 + s, 0)[:50] for s in range(30)], 50)
