#!/usr/bin/env python3
"""Write one small synthetic example per binary format into samples/.

Python 3 standard library only (no numpy): every format is written by hand
with struct (zip members with zipfile, deflate with zlib). All values are
made up and deterministic; tests/unit/test_formats_bin.c checks what the
loaders read against the same formulas.

    python3 samples/gen_binary.py            # writes into samples/

Values: S = 3 steps, V = 16 tokens, base(s, i) = ((7*s + 5*i) % 17 - 8) / 2,
exact in f16 and bf16, with a few overrides per file (listed in README.md).
"""
import io
import json
import math
import os
import struct
import sys
import zipfile

S, V = 3, 16
OUT = os.path.dirname(os.path.abspath(__file__))


def f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


def base(s, i):
    return ((7 * s + 5 * i) % 17 - 8) / 2.0


def grid(over=None):
    g = [[base(s, i) for i in range(V)] for s in range(S)]
    for (s, i), v in (over or {}).items():
        g[s][i] = v
    return g


def npy_bytes(descr, shape, fortran, payload, version=1):
    d = "{'descr': '%s', 'fortran_order': %s, 'shape': (%s), }" % (
        descr, "True" if fortran else "False",
        ", ".join(str(x) for x in shape) + ("," if len(shape) == 1 else ""))
    pre = 10 if version == 1 else 12
    total = pre + len(d) + 1
    pad = (64 - total % 64) % 64
    hdr = (d + " " * pad + "\n").encode("latin1")
    lenf = struct.pack("<H", len(hdr)) if version == 1 else struct.pack("<I", len(hdr))
    return b"\x93NUMPY" + bytes([version, 0]) + lenf + hdr + payload


def pack_grid(fmt, g, fortran=False):
    """fmt: struct code with byte order, e.g. '<f', '>d', '<e', '<H'."""
    order = [(s, i) for i in range(V) for s in range(S)] if fortran else \
            [(s, i) for s in range(S) for i in range(V)]
    return b"".join(struct.pack(fmt, g[s][i]) for s, i in order)


def write(name, data):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)


def bf16_bits(x):
    # round-to-nearest-even of a float32, high 16 bits (values here are exact)
    u = struct.unpack("<I", struct.pack("<f", x))[0]
    return (u + 0x7FFF + ((u >> 16) & 1)) >> 16


def main():
    inf = float("inf")
    # 1. f32, C order, v1.0, shape (3, 16); -inf = masked token, 0.1 not exact in binary
    g32 = grid({(0, 3): -inf, (1, 0): 0.1})
    write("logits_f32.npy", npy_bytes("<f4", (S, V), False, pack_grid("<f", g32)))

    # 2. f16, Fortran order, v1.0, shape (3, 16); raw bit patterns on step 0
    g16 = grid()
    half = {(0, 0): 0x0001, (0, 1): 0x7BFF, (0, 2): 0xFC00, (0, 3): 0x3555}  # 2^-24, 65504, -inf, 0.33325195
    bits16 = [[half.get((s, i), struct.unpack("<H", struct.pack("<e", g16[s][i]))[0]) for i in range(V)] for s in range(S)]
    write("logits_f16_fortran.npy", npy_bytes("<f2", (S, V), True, pack_grid("<H", bits16, fortran=True)))

    # 3. bf16 as ml_dtypes saves it ('<V2'), v2.0, shape (1, 3, 16)
    bfo = {(0, 0): 0x3F80, (0, 1): 0x7F7F, (0, 2): 0xFF80, (0, 3): 0x0001}  # 1.0, 3.3895314e38, -inf, 9.1835e-41
    gb = grid()
    bitsb = [[bfo.get((s, i), bf16_bits(gb[s][i])) for i in range(V)] for s in range(S)]
    write("logits_bf16.npy", npy_bytes("<V2", (1, S, V), False, pack_grid("<H", bitsb), version=2))

    # 4. big-endian f64, v3.0, shape (3, 16); 0.1 -> nearest float32, -1e300 -> -inf
    g64 = grid({(0, 0): 0.1, (0, 1): -1e300, (2, 15): 1e-50})
    write("logits_be_f64.npy", npy_bytes(">f8", (S, V), False, pack_grid(">d", g64), version=3))

    # 5. npz: ids.npy (int64, stored), logits.npy (f32 (3, 16), deflated), probs.npy (f16, stored)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        members = [
            ("ids.npy", npy_bytes("<i8", (S,), False, struct.pack("<3q", 5, 9, 2)), zipfile.ZIP_STORED),
            ("logits.npy", npy_bytes("<f4", (S, V), False, pack_grid("<f", grid())), zipfile.ZIP_DEFLATED),
            ("probs.npy", npy_bytes("<f2", (S, V), False, pack_grid("<e", grid({(1, 1): 0.25}))), zipfile.ZIP_STORED),
        ]
        for name, data, method in members:
            zi = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            zi.compress_type = method
            with z.open(zi, "w", force_zip64=True) as f:  # NumPy forces ZIP64 too
                f.write(data)
    write("logits.npz", buf.getvalue())

    # 6. safetensors: token_ids I64 [3], logits F32 [3, 16], logits_bf16 BF16 [3, 16]
    ids = struct.pack("<3q", 5, 9, 2)
    lg = pack_grid("<f", grid({(2, 7): 2.5}))
    lb = pack_grid("<H", [[bf16_bits(x) for x in row] for row in grid({(0, 0): -inf})])
    hdr = {"__metadata__": {"format": "pt", "note": "synthetic"},
           "token_ids": {"dtype": "I64", "shape": [S], "data_offsets": [0, len(ids)]},
           "logits": {"dtype": "F32", "shape": [S, V], "data_offsets": [len(ids), len(ids) + len(lg)]},
           "logits_bf16": {"dtype": "BF16", "shape": [S, V],
                           "data_offsets": [len(ids) + len(lg), len(ids) + len(lg) + len(lb)]}}
    h = json.dumps(hdr, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    write("logits.safetensors", struct.pack("<Q", len(h)) + h + ids + lg + lb)

    # 7. llama-perplexity --kl-divergence-base: n_ctx 8, n_vocab 16, n_chunk 2
    n_ctx, n_chunk = 8, 2
    R = n_ctx - 1 - n_ctx // 2
    nv = 2 * ((V + 1) // 2) + 4
    out = bytearray(b"_logits_" + struct.pack("<3i", n_ctx, V, n_chunk))
    for c in range(n_chunk):
        for j in range(n_ctx):
            out += struct.pack("<i", (c * 8 + j * 3) % V)
    for k in range(n_chunk * R):
        # as llama.cpp quantises: the range is clipped to 16 nats, q = 0 is the floor,
        # q = 65535 the argmax, min_log_prob makes the decoded values log-probabilities
        scale = f32(16.0 / 65535)
        q = [max(0, 65535 - ((i * 37 + k * 11) % 16) * 6000) for i in range(V)]
        minlp = f32(-math.log(sum(math.exp(scale * x) for x in q)))
        rec = struct.pack("<ff", scale, minlp) + struct.pack("<%dH" % V, *q)
        rec += b"\0\0" * (nv - 4 - V)
        out += rec
    write("kld_base.bin", bytes(out))

    # 8. raw little-endian float32, V = 16, 3 steps
    write("logits.raw", pack_grid("<f", grid({(1, 2): -inf})))

    # 9. tokenizer.json (byte-level BPE), 16 ids with id 13 missing (a hole)
    vocab = {"!": 0, "\"": 1, "\u0120the": 2, "\u010a": 3, "\u0120a": 4, "b": 5, "\u0120\u00c3\u00a9": 6,
             "\u2581x": 7, "\u0109tab": 8, "##ing": 9, "<": 10, "Hello": 11, "\u0120\u0120": 12, "z": 14}
    tok = {"version": "1.0", "truncation": None, "padding": None,
           "added_tokens": [{"id": 15, "content": "<|endoftext|>", "single_word": False, "lstrip": False,
                             "rstrip": False, "normalized": False, "special": True}],
           "normalizer": None,
           "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
           "post_processor": None,
           "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
           "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": "",
                     "end_of_word_suffix": "", "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                     "vocab": vocab, "merges": [["\u0120", "t"], ["\u0120t", "he"]]}}
    write("tokenizer.json", (json.dumps(tok, ensure_ascii=False, indent=1) + "\n").encode())

    # 10. vocab.gguf: GGUF v3, no tensors, only tokenizer key/values (SentencePiece style)
    def gstr(s):
        b = s.encode()
        return struct.pack("<Q", len(b)) + b
    toks = ["<unk>", "<s>", "</s>", "\u2581the", "\u2581a", "<0x0A>", "<0x41>", "x", "\u2581\u2581", "y",
            "\u2581Hello", "!", "<0xE2>", "z", "w", "\u2581end"]
    kv = [
        (gstr("general.architecture"), 8, gstr("llama")),
        (gstr("tokenizer.ggml.model"), 8, gstr("llama")),
        (gstr("tokenizer.ggml.tokens"), 9, struct.pack("<IQ", 8, len(toks)) + b"".join(gstr(t) for t in toks)),
        (gstr("tokenizer.ggml.scores"), 9, struct.pack("<IQ", 6, len(toks)) + struct.pack("<%df" % len(toks), *[-float(i) for i in range(len(toks))])),
        (gstr("tokenizer.ggml.token_type"), 9, struct.pack("<IQ", 5, len(toks)) + struct.pack("<%di" % len(toks), *([2, 3, 3] + [1] * 13))),
        (gstr("tokenizer.ggml.bos_token_id"), 4, struct.pack("<I", 1)),
    ]
    g = b"GGUF" + struct.pack("<IQQ", 3, 0, len(kv))
    for k, t, v in kv:
        g += k + struct.pack("<I", t) + v
    write("vocab.gguf", g)

    # 11. vocab.txt: one token per line
    write("vocab.txt", "".join("tok%02d\n" % i for i in range(V)).encode())
    return 0


if __name__ == "__main__":
    sys.exit(main())
