#!/usr/bin/env python3
"""gen_json_big.py: large synthetic files of every JSON input format, for the
parse-memory benchmark (tests/bench/json_peak.sh, make bench).

    python3 tests/bench/gen_json_big.py OUTDIR [MB]

Writes about MB megabytes (default 64) per file, compact JSON as the servers
send it (one line per response; the streams one chunk per line):

  openai_chat.json          one response, N tokens x 20 top_logprobs with bytes
  openai_chat_stream.jsonl  the same as streamed chat.completion.chunk lines
  openai_completions.json   legacy completions: tokens / token_logprobs /
                            top_logprobs objects (5 per position) / text_offset
  vllm_prompt.json          vLLM prompt_logprobs (+ prompt_token_ids)
  llamacpp.json             completion_probabilities, ids + bytes, 10 alternatives
  tgi.json                  details.tokens + top_tokens (5)
  tgi_stream.jsonl          /generate_stream events, one per line
  ollama.json               top-level logprobs, 20 alternatives
  native.json               logitscope's dump, V = 4096 logits per step

Numbers are Python float reprs (up to 17 significant digits) of made-up
log-probabilities; token texts come from a small synthetic vocabulary with
some multi-byte UTF-8. Deterministic (seeded); nothing is committed.
"""
import json
import os
import random
import sys

OUT = sys.argv[1] if len(sys.argv) > 1 else "."
MB = float(sys.argv[2]) if len(sys.argv) > 2 else 64.0
TARGET = int(MB * 1024 * 1024)
rng = random.Random(14)
VOCAB = [" the", " of", " and", "ing", " a", " to", " in", "é", " Paris", "👋", " model", "s", ".", ",",
         " logit", " sampling", " über", " 東京", "\n", "\"quoted\""]
VOCAB += ["tok%d" % i for i in range(200)]


def dumps(o):
    return json.dumps(o, separators=(",", ":"), ensure_ascii=False)


def lp():
    return -rng.random() * rng.choice((0.01, 1.0, 10.0))


def tok():
    i = rng.randrange(len(VOCAB))
    return i, VOCAB[i]


def entry(ids=False, with_bytes=True, key="logprob"):
    i, t = tok()
    e = {"id": i} if ids else {}
    e["token"] = t
    e[key] = lp()
    if with_bytes:
        e["bytes"] = list(t.encode())
    return e


def fill(write_piece, piece, sep=","):
    """Call piece() until TARGET bytes are written; returns the count."""
    n = 0
    size = 0
    while size < TARGET:
        s = piece()
        write_piece((sep if n and sep else "") + s)
        size += len(s.encode()) + 1
        n += 1
    return n


def openai_chat(f):
    def piece():
        e = entry()
        e["top_logprobs"] = [entry() for _ in range(20)]
        return dumps(e)
    f.write('{"id":"chatcmpl-big","object":"chat.completion","model":"synthetic","choices":[{"index":0,'
            '"message":{"role":"assistant","content":"..."},"logprobs":{"content":[')
    fill(f.write, piece)
    f.write(']},"finish_reason":"length"}]}\n')


def openai_chat_stream(f):
    def piece():
        e = entry()
        e["top_logprobs"] = [entry() for _ in range(20)]
        return dumps({"id": "chatcmpl-big", "object": "chat.completion.chunk", "model": "synthetic",
                      "choices": [{"index": 0, "delta": {"content": e["token"]},
                                   "logprobs": {"content": [e]}, "finish_reason": None}]})
    fill(f.write, lambda: piece() + "\n", sep=None)


def openai_completions(f):
    toks, tlps, tops, offs = [], [], [], []
    size, off = 0, 0
    while size < TARGET:
        i, t = tok()
        v = lp()
        top = {}
        for _ in range(5):
            top[tok()[1]] = lp()
        toks.append(t)
        tlps.append(v)
        tops.append(top)
        offs.append(off)
        off += len(t)
        size += len(dumps(t)) + len(dumps(v)) + len(dumps(top)) + len(str(off)) + 4
    f.write(dumps({"id": "cmpl-big", "object": "text_completion", "model": "synthetic",
                   "choices": [{"index": 0, "text": "...", "finish_reason": "length",
                                "logprobs": {"tokens": toks, "token_logprobs": tlps, "top_logprobs": tops,
                                             "text_offset": offs}}]}) + "\n")


def vllm_prompt(f):
    ids, pls = [], [None]
    size = 0
    ids.append(rng.randrange(len(VOCAB)))
    while size < TARGET:
        rec, t = tok()
        pos = {str(rec): {"logprob": lp(), "rank": 1, "decoded_token": t}}
        for k in range(4):
            j, u = tok()
            pos.setdefault(str(j), {"logprob": lp(), "rank": k + 2, "decoded_token": u})
        ids.append(rec)
        pls.append(pos)
        size += len(dumps(pos)) + len(str(rec)) + 2
    f.write(dumps({"id": "cmpl-vllm", "object": "text_completion", "model": "synthetic",
                   "prompt_logprobs": pls, "prompt_token_ids": ids,
                   "choices": [{"index": 0, "text": "", "logprobs": None, "finish_reason": "length"}]}) + "\n")


def llamacpp(f):
    def piece():
        e = entry(ids=True)
        e["top_logprobs"] = [entry(ids=True) for _ in range(10)]
        return dumps(e)
    f.write('{"content":"...","stop":true,"completion_probabilities":[')
    fill(f.write, piece)
    f.write(']}\n')


def tgi_tok():
    i, t = tok()
    return {"id": i, "text": t, "logprob": lp(), "special": False}


def tgi(f):
    toks, tops = [], []
    size = 0
    while size < TARGET:
        a = tgi_tok()
        b = [tgi_tok() for _ in range(5)]
        toks.append(a)
        tops.append(b)
        size += len(dumps(a)) + len(dumps(b)) + 2
    f.write(dumps({"generated_text": "...", "details": {"finish_reason": "length", "generated_tokens": len(toks),
                                                        "seed": None, "prefill": [], "tokens": toks,
                                                        "top_tokens": tops}}) + "\n")


def tgi_stream(f):
    k = [0]

    def piece():
        k[0] += 1
        return dumps({"index": k[0], "token": tgi_tok(), "top_tokens": [tgi_tok() for _ in range(5)],
                      "generated_text": None, "details": None}) + "\n"
    fill(f.write, piece, sep=None)


def ollama(f):
    def piece():
        e = entry()
        e["top_logprobs"] = [entry() for _ in range(20)]
        return dumps(e)
    f.write('{"model":"synthetic","created_at":"2025-01-01T00:00:00Z","response":"...","done":true,"logprobs":[')
    fill(f.write, piece)
    f.write(']}\n')


def native(f):
    V = 4096

    def piece():
        return '{"token":%d,"logits":[%s]}' % (rng.randrange(V), ",".join(repr(-rng.random() * 20) for _ in range(V)))
    f.write('{"format":"logitscope-logits","version":1,"vocab":[%s],"steps":[' %
            ",".join(dumps("t%d" % i) for i in range(V)))
    fill(f.write, piece)
    f.write(']}\n')


FILES = [("openai_chat.json", openai_chat), ("openai_chat_stream.jsonl", openai_chat_stream),
         ("openai_completions.json", openai_completions), ("vllm_prompt.json", vllm_prompt),
         ("llamacpp.json", llamacpp), ("tgi.json", tgi), ("tgi_stream.jsonl", tgi_stream),
         ("ollama.json", ollama), ("native.json", native)]

if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    only = set(sys.argv[3:])
    for name, fn in FILES:
        if only and name not in only:
            continue
        with open(os.path.join(OUT, name), "w", encoding="utf-8", newline="\n") as f:
            fn(f)
        print(name, os.path.getsize(os.path.join(OUT, name)))
