#!/usr/bin/env python3
"""Fixtures for the explorer tests (tests/tui/run.sh). Rerun to regenerate:

    python3 tests/tui/gen_fixtures.py tests/tui/data

small.json          native dump, 12 steps over a 64-token vocabulary with a
                    recorded token per step: stable golden screens that do
                    not move when samples/demo.json is regenerated.
hostile.json        native dump whose vocabulary is made of terminal attacks:
                    CSI and OSC sequences (title, OSC 52 clipboard, OSC 8),
                    C1 controls, BEL/BS/CR/LF/TAB/DEL, bidi overrides and
                    isolates, zero-width characters, a tag character, a
                    leading combining mark, wide CJK and emoji, raw invalid
                    UTF-8 bytes (written as bytes into the JSON string) and a
                    very long token.
hostile_bytes.json  OpenAI chat format with "bytes" arrays: NUL, invalid
                    UTF-8 and an escape sequence that exist only as bytes.
Deterministic: a fixed LCG, no randomness from the platform.
"""
import json
import math
import os
import sys

out = sys.argv[1] if len(sys.argv) > 1 else "tests/tui/data"
os.makedirs(out, exist_ok=True)

state = 12345
def rnd():
    global state
    state = (state * 6364136223846793005 + 1442695040888963407) % (1 << 64)
    return (state >> 11) / float(1 << 53)

# --- small.json ---------------------------------------------------------
words = ["<s>", "</s>", "{", "}", "\"", ":", ",", " ", "\n", "name", "age", "city",
         " Ada", " Bob", " Paris", " London", " 36", " 42", "true", "false", " the",
         " a", " of", " and", " to", " in", " is", " was", " for", " on", " with",
         " as", " by", " at", " from", " or", " an", " be", " this", " that",
         " which", " it", " not", " are", " his", " her", " they", " we", " you",
         " one", " two", " three", " four", " five", " six", " seven", " eight",
         " nine", " ten", "ing", "ed", "ly", "er", "est"]
V = len(words)
answer = [2, 4, 9, 4, 5, 12, 4, 6, 7, 4, 10, 3]
steps = []
for t, tok in enumerate(answer):
    sharp = [6.0, 2.0, 4.0, 1.2][t % 4]
    logits = []
    for i in range(V):
        base = -0.35 * ((i * 7 + t * 3) % V)
        logits.append(round(base + 0.4 * rnd(), 4))
    logits[tok] = round(max(logits) + sharp * 0.5, 4)
    if t == 5:
        logits[13] = logits[tok] - 0.2  # a close second: top-k/top-p ties matter
    if t == 9:
        logits[tok] = round(min(logits) + 1.0, 4)  # recorded token far in the tail: cut by top-p
    steps.append({"logits": logits, "token": tok})
with open(os.path.join(out, "small.json"), "w") as f:
    json.dump({"meta": {"description": "explorer test fixture (gen_fixtures.py)"},
               "vocab": words, "steps": steps}, f)

# --- hostile.json (native; raw bytes spliced into strings) ------------------
ESC, BEL = "\x1b", "\x07"
hostile = [
    ESC + "]0;PWNED" + BEL,                       # OSC title
    ESC + "]52;c;cHduZWQ=" + BEL,                 # OSC 52 clipboard write
    ESC + "]8;;http://evil/" + ESC + "\\x" + ESC + "]8;;" + ESC + "\\",  # OSC 8 link
    ESC + "[2J" + ESC + "[31mred",                # CSI clear + colour
    ESC + "P1$qm" + ESC + "\\",                   # DCS
    "\u009b31m",                                  # C1 CSI
    "\u0085nel",                                  # C1 NEL
    "bell" + BEL, "back\b\bspace", "cr\rret", "lf\nline", "tab\tbed", "del\x7f",
    "\u202eevil", "\u2066iso\u2069", "zw\u200bsp", "bom\ufeff", "\U000e0041tag",
    "\u0301comb", "\u6f22\u5b57", "\U0001f600", "x" * 300,
    "normal", " space", "\u00e9t\u00e9",
]
RAW_BAD = ["@BAD1@", "@BAD2@", "@BAD3@"]       # replaced by invalid UTF-8 bytes below
vocab = hostile + RAW_BAD
Vh = len(vocab)
hsteps = []
for t in range(4):
    logits = [round(-0.15 * ((i + 5 * t) % Vh) + 0.2 * rnd(), 4) for i in range(Vh)]
    hsteps.append({"logits": logits, "token": (t * 7) % Vh})
txt = json.dumps({"vocab": vocab, "steps": hsteps}, ensure_ascii=True).encode()
txt = txt.replace(b"@BAD1@", b"\xff\xfe") \
         .replace(b"@BAD2@", b"\xc3\x28ov") \
         .replace(b"@BAD3@", b"\xed\xa0\x80sur")
with open(os.path.join(out, "hostile.json"), "wb") as f:
    f.write(txt)

# --- hostile_bytes.json (OpenAI chat format with bytes) ---------------------
def entry(b, lp):
    return {"token": b.decode("utf-8", "replace"), "logprob": lp, "bytes": list(b)}
alts = [b"nul\x00byte", b"\xff\xfe", b"\x1b]52;c;eA==\x07", b"ok", b"\xe2\x80\xaeR"]
content = []
for t in range(3):
    tops = [entry(b, -1.0 - 0.7 * k - 0.1 * t) for k, b in enumerate(alts)]
    content.append(dict(entry(alts[t], -1.0 - 0.7 * t - 0.1 * t), top_logprobs=tops))
with open(os.path.join(out, "hostile_bytes.json"), "w") as f:
    json.dump({"object": "chat.completion",
               "choices": [{"index": 0, "logprobs": {"content": content}}]}, f)
