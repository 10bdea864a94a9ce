#!/usr/bin/env python3
"""Generate samples/demo.json: the bundled, fully synthetic demo dump.

A made-up model answers "Describe Ada Lovelace as JSON" with a short JSON
object, one recorded token per step (40 steps) over a made-up vocabulary of
V = 5000 tokens. Nothing is copied from a real model; the shapes imitate what
real dumps look like:

  * punctuation / syntax steps ({ " ": , }) are near-certain: the recorded
    token sits ~5-6 logits above a long tail, with a few structural
    look-alikes just behind it (a wrong quote or brace breaks the JSON);
  * key steps are fairly sure (one or two synonyms close behind);
  * value steps (names, numbers, words) are broad: several plausible
    alternatives within a logit or two, so truncation choices matter;
  * every step has a Zipf-like tail over the whole vocabulary
    (logit ~ -1.1 ln(rank) plus noise), so temperature moves real mass.

Rerun with:  python3 samples/gen_demo.py > samples/demo.json
Deterministic: a fixed seed, Python's own Mersenne Twister, 4-decimal logits.
"""
import json
import math
import random

V = 5000
rng = random.Random(20261129)

# --- vocabulary -----------------------------------------------------------
special = ["<s>", "</s>", "<unk>"]
structural = ["{", "}", "\"", "\":", " \"", "\",", ",", ":", " ", "\n", "[", "]",
              "\"}", "'", " '", "\":\"", "}\n", ",\n", " {", "\"\n"]
words = ["name", "born", "field", "known", "_for", "lang", "en", "Ada", " Lov",
         "elace", "Byron", " King", "18", "15", "16", "mathematics", " math",
         "poetry", "computing", "science", "the", " first", " program", " algorithm",
         " analytical", " engine", " notes", "fr", "de", "year", "title", "work",
         "Charles", " Babbage", "Augusta", " countess", "1815", "1852", " machine",
         "writer", "role", "country", "England", "London", "languages", "English"]
syll = ["ka", "lo", "mi", "ne", "ra", "to", "shi", "ven", "dor", "al", "is", "um",
        "per", "tri", "qua", "zen", "bo", "ly", "ex", "on", "ar", "st", "ed", "ing"]
vocab = special + structural + words
seen = set(vocab)
while len(vocab) < V:
    w = "".join(rng.choice(syll) for _ in range(rng.randint(1, 3)))
    if rng.random() < 0.5:
        w = " " + w
    if rng.random() < 0.04:
        w += rng.choice([".", ",", "!", "?", ";"])
    if w not in seen:
        seen.add(w)
        vocab.append(w)
ID = {t: i for i, t in enumerate(vocab)}

# --- the recorded answer: (token, kind, alternatives with logit offsets) ----
# kind: "p" punctuation (near-certain), "k" key (sure), "v" value (broad)
seq = [
    ("{", "p", [(" {", -4.0), ("[", -5.0)]),
    ("\"", "p", [("'", -4.5), ("\n", -5.0)]),
    ("name", "k", [("title", -2.5), ("writer", -3.5)]),
    ("\":", "p", [("\":\"", -4.0), (":", -4.5)]),
    (" \"", "p", [("\"", -3.5), (" '", -4.5)]),
    ("Ada", "v", [("Augusta", -0.8), ("Charles", -2.5), ("Byron", -2.0)]),
    (" Lov", "v", [(" King", -1.2), (" Byron" if " Byron" in ID else " countess", -2.0)]),
    ("elace", "k", [("ed", -4.0) if "ed" in ID else ("ing", -4.0)]),
    ("\",", "p", [("\"}", -3.0), ("\"", -3.5)]),
    (" \"", "p", [("\n", -3.0), (" '", -4.5)]),
    ("born", "v", [("year", -0.6), ("known", -1.5), ("field", -1.8)]),
    ("\":", "p", [(":", -4.5), ("\":\"", -4.0)]),
    (" ", "p", [(" \"", -1.5), ("\"", -4.0)]),
    ("18", "v", [("1815", -0.3), ("16", -3.0)]),
    ("15", "v", [("16", -1.0), ("52", -2.0) if "52" in ID else ("1852", -2.5)]),
    (",", "p", [("}", -3.0), (",\n", -2.5)]),
    (" \"", "p", [("\n", -3.0), (" '", -4.5)]),
    ("field", "v", [("known", -0.4), ("work", -0.9), ("role", -1.3)]),
    ("\":", "p", [(":", -4.5), ("\":\"", -4.0)]),
    (" \"", "p", [("\"", -3.5), (" '", -4.5)]),
    ("mathematics", "v", [("computing", -0.5), ("poetry", -1.6), ("science", -1.0), (" math", -1.8)]),
    ("\",", "p", [("\"}", -2.5), ("\"", -3.5)]),
    (" \"", "p", [("\n", -3.0), (" '", -4.5)]),
    ("known", "k", [("work", -1.5), ("title", -2.5)]),
    ("_for", "k", [("\":", -2.0)]),
    ("\":", "p", [(":", -4.5), ("\":\"", -4.0)]),
    (" \"", "p", [("\"", -3.5), (" '", -4.5)]),
    ("the", "v", [(" first", -1.0), ("notes" if "notes" in ID else " notes", -1.5), (" analytical", -2.0)]),
    (" first", "v", [(" analytical", -0.7), (" notes", -1.2), (" algorithm", -1.4)]),
    (" program", "v", [(" algorithm", -0.2), (" machine", -1.5), (" engine", -1.0)]),
    ("\",", "p", [("\"}", -2.0), ("\"", -3.5)]),
    (" \"", "p", [("\n", -3.0), (" '", -4.5)]),
    ("lang", "k", [("languages", -1.0), ("country", -2.0)]),
    ("\":", "p", [(":", -4.5), ("\":\"", -4.0)]),
    (" \"", "p", [("\"", -3.5), (" '", -4.5)]),
    ("en", "v", [("English", -0.5), ("fr", -2.5), ("de", -3.0)]),
    ("\"", "p", [("\",", -2.0), ("\"\n", -3.0)]),
    ("}", "p", [("}\n", -1.0), (",", -3.5)]),
    ("\n", "p", [("</s>", -0.5), (" ", -3.0)]),
    ("</s>", "p", [("\n", -2.0), ("{", -5.0)]),
]
assert len(seq) == 40, len(seq)

# margin of the recorded (or top) token above the best tail token, by kind
MARGIN = {"p": 6.5, "k": 4.5, "v": 3.5}
steps = []
for i, (tok, kind, alts) in enumerate(seq):
    assert tok in ID, tok
    order = list(range(V))
    rng.shuffle(order)
    logits = [0.0] * V
    for rank, tid in enumerate(order):
        logits[tid] = -1.1 * math.log(rank + 1) + rng.gauss(0.0, 0.25) - 2.0
    top = MARGIN[kind]
    logits[ID[tok]] = top
    for alt, off in alts:
        if alt in ID and alt != tok:
            logits[ID[alt]] = top + off
    # a real sampler did not always pick the argmax: on a few broad steps the
    # recorded token is the runner-up
    if kind == "v" and i in (13, 17, 29):
        best_alt = max(alts, key=lambda a: a[1])[0]
        logits[ID[best_alt]] = top + 0.35
    steps.append({"logits": [round(x, 4) for x in logits], "token": ID[tok], "text": tok})

doc = {
    "meta": {
        "description": "Synthetic demo: a made-up model answering with a short JSON object. Not real model output.",
        "generator": "samples/gen_demo.py",
        "prompt": "Describe Ada Lovelace as a JSON object.",
    },
    "vocab": vocab,
    "steps": steps,
}
print(json.dumps(doc, separators=(",", ":")))
