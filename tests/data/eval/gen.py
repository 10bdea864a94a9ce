#!/usr/bin/env python3
"""Generate the small eval/sweep/diff fixtures in tests/data/eval/.

Every value is chosen so the answer can be worked out by hand (see the
comments and tests/unit/test_eval.c, test_diff.c). Rerun from the repository
root:  python3 tests/data/eval/gen.py
"""
import json
import math
import os

HERE = os.path.dirname(os.path.abspath(__file__))


def write(name, doc):
    with open(os.path.join(HERE, name), "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")


L3 = math.log(3)
# two.json: one step, p = (1/4, 3/4), recorded token 1:
# NLL = -ln(3/4), perplexity 4/3, 1 byte of text.
write("two.json", {"vocab": ["a", "b"], "steps": [{"logits": [0.0, L3], "token": 1}]})

# seq.json: three steps over V = 4, NLLs ln 4, -ln(3/4), ln 4 (sum 2 ln 4 + ln(4/3)).
write("seq.json", {
    "vocab": ["w", "x", "y", "z"],
    "steps": [
        {"logits": [0, 0, 0, 0], "token": 0},
        {"logits": [0, L3, None, None], "token": 1},
        {"logits": [math.log(2), 0, 0, None], "token": 2},
    ],
})

# jsonish.json: a tiny "model" writing {"a":1} then </s>. At step 1 the
# valid "\"a\":1" (logit 0) competes with the invalid "oops" (logit -1):
# p(valid) = 1 / (1 + e^(-1/T)), 1 at T = 0, 0.924 at 0.4, 0.807 at 0.7,
# 0.731 at 1; the other steps are near-certain (margin 12 nats), so the
# valid-JSON share falls as the temperature rises.
V = 8
vocab = ["{", "\"a\":1", "oops", "}", "</s>", " ", "x", "\"b\":2"]
def step(top, token, alt=None, alt_logit=None):
    z = [-12.0] * V
    z[top] = 0.0
    if alt is not None:
        z[alt] = alt_logit
    return {"logits": z, "token": token}
write("jsonish.json", {
    "vocab": vocab,
    "steps": [step(0, 0), step(1, 1, 2, -1.0), step(3, 3), step(4, 4)],
})

# clip.json: V = 4, two steps; step 0 has 20000 and -inf (null), step 1 has NaN
# and -20000: with --allow-nonfinite and the default threshold 1e4, 4 of 8
# logits are clipped.
write("clip.json", {
    "vocab": ["a", "b", "c", "d"],
    "steps": [
        {"logits": [20000.0, 0.0, None, 1.0], "token": 1},
        {"logits": [float("nan"), -20000.0, 0.0, 1.0], "token": 3},
    ],
})

# diff_a.json / diff_b.json: P and Q with a hand-computable KL.
# step 0: P = (1/2, 1/2, 0), Q = (1/4, 3/4, 0) -> KL = 1/2 ln 2 + 1/2 ln(2/3)
# step 1: P = Q                                 -> KL = 0
# step 2: P = (3/4, 1/4), Q = (1/4, 3/4)        -> KL = 1/2 ln 3
N = None
write("diff_a.json", {"vocab": ["a", "b", "c"], "steps": [
    {"logits": [0, 0, N], "token": 1},
    {"logits": [1, 2, 3], "token": 2},
    {"logits": [L3, 0, N], "token": 0},
]})
write("diff_b.json", {"vocab": ["a", "b", "c"], "steps": [
    {"logits": [0, L3, N], "token": 1},
    {"logits": [1, 2, 3], "token": 2},
    {"logits": [0, L3, N], "token": 0},
]})
# diff_c.json: like diff_b but step 1 records token 0 (sequences differ)
write("diff_c.json", {"vocab": ["a", "b", "c"], "steps": [
    {"logits": [0, L3, N], "token": 1},
    {"logits": [1, 2, 3], "token": 0},
    {"logits": [0, L3, N], "token": 0},
]})
# diff_v4.json: like diff_b with a 4th (masked in step 1: never) token
write("diff_v4.json", {"vocab": ["a", "b", "c", "d"], "steps": [
    {"logits": [0, L3, N, N], "token": 1},
    {"logits": [1, 2, 3, 0], "token": 2},
    {"logits": [0, L3, N, N], "token": 0},
]})
# diff_2steps.json: two steps only
write("diff_2steps.json", {"vocab": ["a", "b", "c"], "steps": [
    {"logits": [0, L3, N], "token": 1},
    {"logits": [1, 2, 3], "token": 2},
]})
# novocab.json: no vocabulary (text scores are null)
write("novocab.json", {"steps": [{"logits": [0, L3], "token": 1}, {"logits": [L3, 0], "token": 0}]})
