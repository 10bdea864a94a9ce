#!/usr/bin/env python3
"""Malformed (and a few valid edge-case) binary fixtures for the CLI tests
(robustness.md section 8, rows 1, 20-31, 33). Python 3 stdlib only.

    python3 tests/data/bin/gen_bad.py     # rewrites tests/data/bin/*
"""
import io
import json
import os
import struct
import zipfile

D = os.path.dirname(os.path.abspath(__file__))


def w(name, data):
    with open(os.path.join(D, name), "wb") as f:
        f.write(data)


def npy(hdr, payload=b"", version=1, raw_len=None):
    if isinstance(hdr, str):
        hdr = hdr.encode("latin1")
    n = len(hdr) if raw_len is None else raw_len
    lenf = struct.pack("<H", n) if version == 1 else struct.pack("<I", n)
    return b"\x93NUMPY" + bytes([version, 0]) + lenf + hdr + payload


def dict_hdr(descr="'<f4'", fortran="False", shape="(2, 4)"):
    return "{'descr': %s, 'fortran_order': %s, 'shape': %s, }\n" % (descr, fortran, shape)


F8 = struct.pack("<8f", *[float(i) for i in range(8)])

# ---- npy ----
w("empty.bin", b"")
w("npy_bad_magic.npy", b"\x93NUMPZ\x01\x00" + b"\x10\x00" + b" " * 16)
w("npy_v4.npy", npy(dict_hdr(), F8)[:6] + b"\x04\x00" + npy(dict_hdr(), F8)[8:])
w("npy_v0.npy", npy(dict_hdr(), F8)[:6] + b"\x00\x05" + npy(dict_hdr(), F8)[8:])
w("npy_short.npy", b"\x93NUMPY\x01\x00")
w("npy_hlen_eof.npy", npy(dict_hdr(), b"", raw_len=4096))
w("npy_v2_hlen_huge.npy", npy(dict_hdr(), b"", version=2, raw_len=0xFFFFFFF0))
big = dict_hdr()[:-1] + " " * (70000 - len(dict_hdr())) + "\n"
w("npy_hdr_too_large.npy", npy(big, F8, version=2))
w("npy_not_dict.npy", npy("['descr', '<f4']\n", F8))
w("npy_missing_key.npy", npy("{'descr': '<f4', 'shape': (2, 4), }\n", F8))
w("npy_extra_key.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 4), 'extra': 1}\n", F8))
w("npy_dup_key.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 4), 'shape': (8,)}\n", F8))
w("npy_unterminated.npy", npy("{'descr': '<f4   \n", F8))
w("npy_fortran_1.npy", npy(dict_hdr(fortran="1"), F8))
w("npy_nonascii.npy", npy(dict_hdr(descr="'<f4\xe9'"), F8))
w("npy_no_newline.npy", npy(dict_hdr()[:-1] + " ", F8))
w("npy_pickle.npy", npy(dict_hdr(descr="'|O'", shape="(2,)"), b"\x80\x04K\x01."))
w("npy_unicode.npy", npy(dict_hdr(descr="'<U8'", shape="(1,)"), b"\0" * 32))
w("npy_bytes.npy", npy(dict_hdr(descr="'|S4'", shape="(2,)"), b"abcdefgh"))
w("npy_structured.npy", npy(dict_hdr(descr="[('a', '<f4'), ('b', '<f4')]", shape="(4,)"), F8))
w("npy_int.npy", npy(dict_hdr(descr="'<i8'", shape="(4,)"), F8))
w("npy_neg_dim.npy", npy(dict_hdr(shape="(-3, 4)"), F8))
w("npy_overflow_shape.npy", npy(dict_hdr(shape="(4611686018427387904, 4)"), F8))
w("npy_huge_literal.npy", npy(dict_hdr(shape="(1000000000000000000000000000000, 4)"), F8))
w("npy_zero_dim.npy", npy(dict_hdr(shape="(0, 4)"), b""))
w("npy_scalar.npy", npy(dict_hdr(shape="()"), F8[:4]))
w("npy_3d.npy", npy(dict_hdr(shape="(2, 1, 4)"), F8))
w("npy_not_tuple.npy", npy(dict_hdr(shape="(8)"), F8))
w("npy_truncated.npy", npy(dict_hdr(), F8[:20]))
w("npy_trailing.npy", npy(dict_hdr(), F8 + b"junk"))
w("npy_vec.npy", npy(dict_hdr(shape="(8,)"), F8))
w("npy_v2_wrong_order.npy", npy(dict_hdr(descr="'>V2'", shape="(4,)"), F8[:8]))

# ---- safetensors ----
def st(header, data, pad=True, raw=None):
    h = header if isinstance(header, bytes) else json.dumps(header, separators=(",", ":")).encode()
    if pad:
        h += b" " * ((8 - len(h) % 8) % 8)
    n = len(h) if raw is None else raw
    return struct.pack("<Q", n) + h + data

L16 = struct.pack("<4f", 1, 2, 3, 4)
def t(dtype="F32", shape=(4,), off=(0, 16)):
    return {"dtype": dtype, "shape": list(shape), "data_offsets": list(off)}

w("st_short.safetensors", b"\x05\0\0\0")
w("st_n0.safetensors", st(b"", L16, raw=0))
w("st_nmax.safetensors", st({"a": t()}, L16, raw=0xFFFFFFFFFFFFFFFF))
w("st_hlen_eof.safetensors", st({"a": t()}, L16, raw=4096))
w("st_not_utf8.safetensors", st(b'{"a\xff":' + json.dumps(t()).encode() + b"}", L16))
w("st_not_object.safetensors", st(b'["a", 1]', L16))
w("st_not_json.safetensors", st(b'{"a": {"dtype": "F32",}}', L16))
w("st_padded.safetensors", st(json.dumps({"a": t()}).encode() + b" " * 61, L16, pad=False))
w("st_end_lt_begin.safetensors", st({"a": t(off=(16, 0))}, L16))
w("st_negative.safetensors", st({"a": t(off=(-16, 0))}, L16))
w("st_fraction.safetensors", st({"a": t(off=(0, 16.5))}, L16))
w("st_huge_offset.safetensors", st({"a": t(off=(0, 2 ** 60))}, L16))
w("st_overlap.safetensors", st({"a": t(off=(0, 16)), "b": t(shape=(2,), off=(8, 16))}, L16))
w("st_gap.safetensors", st({"a": t(shape=(2,), off=(0, 8)), "b": t(shape=(1,), off=(12, 16))}, L16))
w("st_not_zero.safetensors", st({"a": t(shape=(3,), off=(4, 16))}, L16))
w("st_trailing.safetensors", st({"a": t()}, L16 + b"POLYGLOT"))
w("st_truncated.safetensors", st({"a": t()}, L16[:12]))
w("st_size_mismatch.safetensors", st({"a": t(shape=(8,))}, L16))
w("st_unknown_dtype.safetensors", st({"a": t(dtype="F12")}, L16))
w("st_f4_odd.safetensors", st({"a": t(dtype="F4", shape=(3,), off=(0, 2)), "b": t(dtype="F32", shape=(3,), off=(2, 14)), "c": t(dtype="U8", shape=(2,), off=(14, 16))}, L16))
dup = b'{"a":' + json.dumps(t()).encode() + b',"a":' + json.dumps(t(dtype="U8", shape=(16,))).encode() + b"}"
w("st_dup.safetensors", st(dup, L16))
w("st_meta.safetensors", st({"__metadata__": {"n": 1}, "a": t()}, L16))
w("st_no_float.safetensors", st({"ids": t(dtype="I32")}, L16))
w("st_shape_4d.safetensors", st({"a": t(shape=(1, 1, 2, 2))}, L16))

# ---- npz ----
def npz(members, compress=zipfile.ZIP_STORED):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in members:
            zi = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            zi.compress_type = compress
            with z.open(zi, "w", force_zip64=True) as f:
                f.write(data)
    return buf.getvalue()

good = npy(dict_hdr(), F8)
w("npz_no_eocd.npz", b"PK\x03\x04" + b"\0" * 60)
w("npz_empty.npz", b"PK\x05\x06" + b"\0" * 18)
w("npz_no_float.npz", npz([("ids.npy", npy(dict_hdr(descr="'<i8'", shape="(1,)"), b"\0" * 8))]))
z = bytearray(npz([("x.npy", good)]))
i = z.index(b"PK\x01\x02")
m = z.copy(); m[i + 10:i + 12] = struct.pack("<H", 12)           # bzip2 in the central directory
w("npz_method.npz", bytes(m))
m = z.copy(); m[i + 42:i + 46] = struct.pack("<I", 0x7FFFFF00)   # local header offset out of range
w("npz_bad_local_off.npz", bytes(m))
zd = bytearray(npz([("x.npy", good)], zipfile.ZIP_DEFLATED))
j = zd.index(b"x.npy") + 5 + 20                                  # the deflate stream starts after the zip64 extra
zd[j:j + 6] = b"\xff" * 6
w("npz_corrupt_deflate.npz", bytes(zd))
w("npz_member_bad_header.npz", npz([("x.npy", npy(dict_hdr(shape="(-1, 4)"), F8))], zipfile.ZIP_DEFLATED))
w("npz_member_truncated.npz", npz([("x.npy", npy(dict_hdr(), F8[:16]))]))
w("npz_fortran_deflated.npz", npz([("x.npy", npy(dict_hdr(fortran="True"), F8))], zipfile.ZIP_DEFLATED))

# ---- kld ----
def kld(n_ctx, n_vocab, n_chunk, scale=0.001, tail=b""):
    R = n_ctx - 1 - n_ctx // 2
    nv = 2 * ((n_vocab + 1) // 2) + 4
    out = b"_logits_" + struct.pack("<3i", n_ctx, n_vocab, n_chunk)
    out += struct.pack("<%di" % (n_ctx * n_chunk), *[j % n_vocab for j in range(n_ctx * n_chunk)])
    for k in range(n_chunk * R):
        out += struct.pack("<ff", scale, -17.0) + struct.pack("<%dH" % (nv - 4), *[(i * 1000) % 65536 for i in range(nv - 4)])
    return out + tail

w("kld_bad_magic.bin", b"_logitz_" + kld(8, 5, 1)[8:])
w("kld_short.bin", b"_logits_\x08\0\0\0")
w("kld_nctx2.bin", kld(2, 5, 1))
w("kld_neg_vocab.bin", b"_logits_" + struct.pack("<3i", 8, -5, 1))
w("kld_size_mismatch.bin", kld(8, 5, 1)[:-2])
w("kld_huge_chunks.bin", b"_logits_" + struct.pack("<3i", 2 ** 30, 2 ** 24, 2 ** 30))
w("kld_nan_scale.bin", kld(8, 5, 1, scale=float("nan")))
w("kld_odd_vocab.bin", kld(8, 5, 2))      # valid: n_vocab odd -> one pad value per record
w("kld_bad_token.bin", b"_logits_" + struct.pack("<3i", 4, 3, 1) + struct.pack("<4i", 0, 1, 7, 2) +
  struct.pack("<ff", 0.001, -17.0) + struct.pack("<4H", 1, 2, 3, 0))

# ---- raw ----
w("raw_nonfinite.f32", struct.pack("<8f", 1.0, float("nan"), 2.0, float("inf"), -float("inf"), 0.5, -0.0, 3.0))
w("raw_odd.f32", struct.pack("<8f", *range(8)) + b"\0\0")

# ---- vocabularies ----
def gstr(s):
    b = s.encode() if isinstance(s, str) else s
    return struct.pack("<Q", len(b)) + b

def gguf(kvs, version=3, n_kv=None):
    g = b"GGUF" + struct.pack("<IQQ", version, 0, len(kvs) if n_kv is None else n_kv)
    for k, ty, v in kvs:
        g += gstr(k) + struct.pack("<I", ty) + v
    return g

toks = struct.pack("<IQ", 8, 3) + gstr("a") + gstr("b") + gstr("c")
w("gguf_v1.gguf", gguf([("tokenizer.ggml.tokens", 9, toks)], version=1))
w("gguf_big_endian.gguf", b"GGUF" + struct.pack(">IQQ", 3, 0, 1))
w("gguf_truncated.gguf", gguf([("tokenizer.ggml.tokens", 9, struct.pack("<IQ", 8, 2) + gstr("a") + struct.pack("<Q", 1000) + b"xy")]))
w("gguf_many_strings.gguf", gguf([("tokenizer.ggml.tokens", 9, struct.pack("<IQ", 8, 3) + gstr("a"))]))
w("gguf_nested.gguf", gguf([("x.nested", 9, struct.pack("<IQ", 9, 1) + struct.pack("<IQ", 4, 0)), ("tokenizer.ggml.tokens", 9, toks)]))
w("gguf_no_tokens.gguf", gguf([("general.architecture", 8, gstr("llama"))]))
w("gguf_huge_count.gguf", gguf([("tokenizer.ggml.tokens", 9, struct.pack("<IQ", 8, 2 ** 62))]))
w("gguf_kv_count.gguf", gguf([], n_kv=2 ** 40))
w("gguf_bad_type.gguf", gguf([("x.weird", 13, b"\0" * 8), ("tokenizer.ggml.tokens", 9, toks)]))
w("gguf_dup_tokens.gguf", gguf([("tokenizer.ggml.tokens", 9, toks), ("tokenizer.ggml.tokens", 9, toks)]))
w("gguf_gpt2.gguf", gguf([("tokenizer.ggml.tokens", 9, struct.pack("<IQ", 8, 3) + gstr("\u0120hi") + gstr("\u010a") + gstr("x")),
                          ("tokenizer.ggml.model", 8, gstr("gpt2"))]))
w("tok_no_model.json", b'{"version": "1.0", "added_tokens": []}\n')
w("tok_bad_id.json", json.dumps({"model": {"type": "BPE", "vocab": {"a": 0, "b": -1}}}).encode())
w("tok_sparse_ids.json", json.dumps({"model": {"type": "BPE", "vocab": {"a": 0, "b": 15000000}}}).encode())
w("tok_unigram.json", json.dumps({"decoder": {"type": "Metaspace"}, "model": {"type": "Unigram", "unk_id": 0,
      "vocab": [["<unk>", 0.0], ["\u2581the", -1.5], ["<0x0A>", 0.0], ["x", -2.0]]}}, ensure_ascii=False).encode())
w("tok_wordpiece.json", json.dumps({"model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
      "vocab": {"[UNK]": 0, "the": 1, "##ing": 2, "\u00e9t\u00e9": 3}}}, ensure_ascii=False).encode())
