#!/usr/bin/env python3
"""Binary fixtures for issue 12 section 2 (Python 3 stdlib only; written from
the formats' descriptions in docs, not copied from upstream files).

    python3 tests/data/captures/gen_captures.py   # rewrites the binary fixtures here
"""
import io
import json
import os
import pickle
import struct
import zipfile

D = os.path.dirname(os.path.abspath(__file__))


def w(name, data):
    with open(os.path.join(D, name), "wb") as f:
        f.write(data)


def f32(vals):
    return b"".join(struct.pack("<f", v) for v in vals)


def npy_f32(shape, vals):
    hdr = "{'descr': '<f4', 'fortran_order': False, 'shape': %s, }" % (shape,)
    pad = 64 - (10 + len(hdr) + 1) % 64
    hdr = (hdr + " " * pad + "\n").encode("latin1")
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(hdr)) + hdr + f32(vals)


# [B=2, S=3, V=5]: row b, step s, token i holds b*100 + s*10 + i
batch = [float(b * 100 + s * 10 + i) for b in range(2) for s in range(3) for i in range(5)]
w("batch_2x3x5.npy", npy_f32("(2, 3, 5)", batch))

# safetensors with its JSON header padded by leading whitespace (allowed since
# the reference reader's 2026-04 change: writers that page-align the data)
hdr = json.dumps({"logits": {"dtype": "F32", "shape": [2, 4], "data_offsets": [0, 32]}}).encode()
hdr = b"  \n\t " + hdr
hdr += b" " * ((8 - len(hdr) % 8) % 8)
w("st_leading_ws.safetensors", struct.pack("<Q", len(hdr)) + hdr + f32([1, 2, 3, 4, 4, 3, 2, 1]))

# torch.save since PyTorch 1.6: a stored zip, members under "<stem>/"
# (data.pkl, data/0, version, byteorder); the pickle here is a stand-in.
buf = io.BytesIO()
def member(z, name, data):
    z.writestr(zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0)), data)


with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
    member(z, "scores/data.pkl", pickle.dumps({"note": "stand-in for torch's pickle"}, protocol=2))
    member(z, "scores/byteorder", "little")
    member(z, "scores/data/0", f32([0.5, 1.5, 2.5, 3.5]))
    member(z, "scores/version", "3\n")
w("torch_zip.pt", buf.getvalue())

# legacy torch.save (before 1.6): a pickle protocol 2 stream whose first
# object is the magic number 0x1950a86a20f9469cfc6c
legacy = b"\x80\x02\x8a\x0a" + (0x1950a86a20f9469cfc6c).to_bytes(10, "little") + b"."
legacy += pickle.dumps(1001, protocol=2) + pickle.dumps({"protocol_version": 1001}, protocol=2)
w("torch_legacy.pt", legacy)

# a plain pickle (protocol 4), e.g. pickle.dump(list_of_floats)
w("plain.pkl", pickle.dumps([0.1, 0.2, 0.3], protocol=4))

# headerless float32 logits: 2 steps x 6 tokens, nothing says so
w("raw_noheader.f32", f32([0.0, -1.5, 2.25, 0.5, -0.75, 1.0, 1.0, 0.0, -1.0, 2.0, 0.25, -0.5]))

# something binary that is none of these
w("unknown.bin", bytes([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]) + bytes(range(8)) + b"\x00" * 9)
