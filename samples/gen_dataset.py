#!/usr/bin/env python3
"""Generate the sample datasets for `logitscope dataset eval`.

1. The prompt manifest samples/dataset/prompts.jsonl: 200 JSON-writing
   prompts (25 first names x 8 record openings; `expected` = the name) for
   two versions of the built-in model, scored on whole generated
   continuations. Version A is samples/model.lsm (order 4); version B,
   samples/dataset/model_b.lsm, is trained by `make samples-dataset` on the
   same synthetic corpus with --order 3 (a smaller model whose greedy
   continuations fall into loops, so JSON validity differs visibly):

     logitscope dataset eval samples/dataset/prompts.jsonl --b samples/dataset/prompts.jsonl \
         --model samples/model.lsm --b-model samples/dataset/model_b.lsm

2. The dump pair samples/dataset/{a,b}.jsonl (kept for the tests and the
   explorer's dataset table, which opens dump rows): two synthetic model variants (no real model): for 200 prompts each variant
answers with a short JSON object, token by token, over a made-up vocabulary
of 24 tokens. Version A ("base") is often unsure at structural steps (a wrong
quote or bracket right behind the right one); version B ("tuned") is surer
at structural steps on most prompts and slightly worse on a few (so some
rows move the other way). Both record the same tokens (the answer), so
`dataset eval` also compares them with KL statistics.

    python3 samples/gen_dataset.py      # rewrites samples/dataset/

Writes samples/dataset/{a,b}/qNNN.json (native JSON dumps) and the
manifests samples/dataset/a.jsonl and b.jsonl (id, dump, reference,
expected). Deterministic: the same bytes on every run (Python's random
with a fixed seed, fixed 2-decimal logits).
"""
import json
import os
import random
import sys

sys.dont_write_bytecode = True   # no __pycache__ in samples/
from gen_corpus import FIRST   # the corpus's first names (the model has seen them)

VOCAB = ["{", "}", "\"name\"", ":", "\"", "Ada", "Bob", ",", "\"age\"", "1", "2", "3",
         "</s>", "oops", "[", "]", "null", "\"city\"", "Paris", "Rome", " ", "4", "x", "'"]
ID = {t: i for i, t in enumerate(VOCAB)}
# structural look-alikes: the token that breaks the JSON when drawn instead
LOOKALIKE = {"{": "[", "}": "]", "\"": "'", ":": " ", ",": " ", "</s>": "oops"}
NAMES = ["Ada", "Bob"]
CITIES = ["Paris", "Rome"]

NAMES_USED = 25   # the first 25 of them
# record openings, each cut where the model must choose (a surname, a year,
# a value); 8 x 25 names = 200 prompts
OPENINGS = ['{"name": "%s', '{"name": "%s ', '{"name": "%s", "born": 1', '{"name": "%s", "born": 19',
            '{"name": "%s", "field": "', '{"name": "%s", "born": 1850, "field": "',
            '{"name": "%s", "country": "', '{"name": "%s", "role": "']


def answer(rng):
    """The token sequence of one answer and its text."""
    name, city = rng.choice(NAMES), rng.choice(CITIES)
    age = [rng.choice(["1", "2", "3", "4"]) for _ in range(rng.choice([1, 2]))]
    toks = ["{", "\"name\"", ":", "\"", name, "\"", ","]
    toks += ["\"age\"", ":"] + age + [","]
    toks += ["\"city\"", ":", "\"", city, "\"", "}", "</s>"]
    text = "".join(t for t in toks if t != "</s>")
    return toks, text, [name, city]


def step_logits(rng, tok, margin):
    """Logits for one step: the answer token on top by `margin` over its
    look-alike, the rest well below with a little noise."""
    z = [round(-6.0 + rng.uniform(-1.5, 1.0), 2) for _ in VOCAB]
    z[ID[tok]] = 0.0
    if tok in LOOKALIKE:
        z[ID[LOOKALIKE[tok]]] = round(-margin, 2)
    return z


def dump(rng, toks, margins):
    steps = [{"logits": step_logits(rng, t, m), "token": ID[t]} for t, m in zip(toks, margins)]
    return {"meta": {"generator": "samples/gen_dataset.py", "synthetic": True}, "vocab": VOCAB, "steps": steps}


def write_prompts(root):
    """The 200-row prompt manifest (the same rows serve A and B)."""
    with open(os.path.join(root, "prompts.jsonl"), "w") as f:
        for q in range(len(OPENINGS) * NAMES_USED):
            name = FIRST[q % NAMES_USED]
            row = {"id": "p%03d" % q, "prompt": OPENINGS[q // NAMES_USED] % name, "expected": [name]}
            f.write(json.dumps(row, separators=(",", ":")) + "\n")


def main():
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "dataset")
    os.makedirs(root, exist_ok=True)
    write_prompts(root)
    rng = random.Random(13)
    man = {"a": [], "b": []}
    for v in "ab":
        os.makedirs(os.path.join(root, v), exist_ok=True)
    for q in range(200):
        toks, text, expected = answer(rng)
        base = [rng.uniform(0.8, 3.0) for _ in toks]
        worse = rng.random() < 0.15          # B regressed on this prompt
        tuned = [m * (0.8 if worse else 1.6) + (0 if worse else 0.5) for m in base]
        rid = "q%03d" % q
        for v, margins in (("a", base), ("b", tuned)):
            d = dump(random.Random(q * 2 + (v == "b")), toks, margins)
            path = os.path.join(root, v, rid + ".json")
            with open(path, "w") as f:
                json.dump(d, f, separators=(",", ":"))
                f.write("\n")
            man[v].append({"id": rid, "dump": "%s/%s.json" % (v, rid), "reference": text, "expected": expected})
    for v in "ab":
        with open(os.path.join(root, v + ".jsonl"), "w") as f:
            for row in man[v]:
                f.write(json.dumps(row, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
