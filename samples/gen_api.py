#!/usr/bin/env python3
"""gen_api.py: write one small synthetic example per JSON API format.

Every number here is made up (chosen to be exact in binary: -0.25, -1.5, ...);
nothing is copied from a real model or server. Deterministic: running it again
gives byte-identical files. tests/unit/test_formats_json.c checks the loaded
values against the tables below, so change both together.

    python3 samples/gen_api.py            # writes into samples/
    python3 samples/gen_api.py OUTDIR

Files:
  openai_chat.json         OpenAI Chat Completions, one response: bytes, a
                           -9999 sentinel, an emoji split across two tokens
  openai_chat.jsonl        JSON Lines: a plain response, then an OpenAI batch
                           output line ({"response": {"body": ...}})
  openai_completions.json  legacy Completions with echo (null first token),
                           top_logprobs objects (one duplicate key), text_offset
  vllm_prompt_logprobs.json  legacy Completions plus vLLM prompt_logprobs
  llamacpp.json            llama.cpp /completion, current shape (ids, bytes,
                           -3.4028234663852886e+38 for probability 0)
  llamacpp_post.json       llama.cpp with post_sampling_probs (prob/top_probs)
  llamacpp_old.json        llama.cpp before Dec 2024 (content/probs/tok_str,
                           "byte: \\xNN" for a lone byte)
  tgi.json                 TGI /generate details (ids, special, top_tokens, prefill)
  ollama.json              Ollama native /api/generate: top-level logprobs,
                           bytes/top_logprobs omitted when empty
  ollama_stream.jsonl      Ollama native /api/chat streamed (NDJSON chunks,
                           the last one done without logprobs)
"""
import json
import math
import os
import sys

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
LLAMA_ZERO = -3.4028234663852886e+38


def b(s):
    """UTF-8 bytes of a str (or a bytes object) as a list of ints."""
    return list(s if isinstance(s, bytes) else s.encode("utf-8"))


def check_mass(steps):
    for st in steps:
        total = sum(math.exp(lp) for _, lp in st if lp is not None and lp > -9000)
        assert total <= 1.0, (st, total)


def write(name, text):
    with open(os.path.join(OUT, name), "w", encoding="utf-8", newline="\n") as f:
        f.write(text)


def dump(obj):
    return json.dumps(obj, indent=1, ensure_ascii=False, allow_nan=False) + "\n"


# ---- OpenAI chat -------------------------------------------------------
# (token text or bytes, logprob); first pair = the chosen token.
CHAT = [
    [("Hi", -0.5), ("Hello", -1.5), ("Hey", -3.0)],
    [(" there", -0.5), ("!", -1.25), (",", -9999.0)],              # -9999: sentinel
    [(b" \xf0\x9f", -0.125), (" :)".encode(), -2.5)],            # first half of U+1F44B
    [(b"\x91\x8b", -0.0625)],                                     # second half
]


def chat_token(t, lp):
    raw = t if isinstance(t, bytes) else t.encode()
    try:
        tok = raw.decode("utf-8")
    except UnicodeDecodeError:
        tok = "".join("\\x%02x" % c if c >= 0x80 else chr(c) for c in raw)  # like DeepSeek
    return {"token": tok, "logprob": lp, "bytes": b(raw)}


def chat_response(steps, rid):
    content = []
    for st in steps:
        e = chat_token(*st[0])
        e["top_logprobs"] = [chat_token(t, lp) for t, lp in st]
        content.append(e)
    return {"id": rid, "object": "chat.completion", "created": 1700000000, "model": "synthetic",
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": "Hi there \U0001F44B"},
                         "logprobs": {"content": content, "refusal": None}}]}


CHAT_L1 = [[("Yes", -0.125), ("No", -2.25)], [(".", -0.5), ("!", -1.0)]]
CHAT_L2 = [[("No", -0.75), ("Yes", -0.875)]]

# ---- legacy completions (echo) ----------------------------------------
COMPL_TOKENS = ["The", " capital", " is", " Paris"]
COMPL_LP = [None, -2.5, -0.75, -0.25]
COMPL_TOP = [None,
             [(" capital", -2.5), (" first", -1.5)],
             [(" is", -0.75), (" of", -1.0)],
             [(" Paris", -0.25), (" Lyon", -3.0), (" Paris", -0.25)]]  # duplicate key, same value

# ---- vLLM prompt_logprobs ---------------------------------------------
PROMPT = [None,
          [(6864, -7.25, 312, " capital"), (279, -1.0, 1, " the")],
          [(315, -0.5, 1, " of")]]
VLLM_GEN = [(" Paris", -0.0625), (" Lyon", -4.0)]

# ---- llama.cpp current shape ------------------------------------------
# (id, bytes, logprob); first = chosen
LLAMA = [
    [(40, b"I", -0.25), (791, b"The", -2.0), (13, b".", LLAMA_ZERO)],
    [(9468, b"\xf0\x9f", -0.5), (1234, b" a", -1.25)],             # lone lead bytes: token ""
    [(232, b"\x98\x8a", -0.125), (13, b".", -2.75)],                # continuation: token U+FFFD
]
LLAMA_POST = [
    [(40, b"I", 0.75), (791, b"The", 0.25)],
    [(791, b"The", 0.5), (40, b"I", 0.375), (13, b".", 0.0)],       # 0: probability 0, dropped
]

# ---- llama.cpp old shape ----------------------------------------------
# (content, [(tok_str, prob)])
LLAMA_OLD = [
    (" to", [(" to", 0.5), (" not", 0.25)]),
    (",", [(" and", 0.5), (",", 0.25), ("byte: \\xe6", 0.125)]),     # chosen is not first
    ("byte: \\xe6", [("byte: \\xe6", 0.75)]),
]

# ---- TGI ----------------------------------------------------------------
# (id, text, logprob, special); first = chosen
TGI = [
    [(5465, " Paris", -0.25, False), (25547, " Lyon", -2.0, False)],
    [(2, "</s>", -0.5, True), (13, ".", -1.5, False), (29889, "!", None, False)],
]
TGI_PREFILL = [(1, "<s>", None), (415, "The", -9.125)]

# ---- Ollama native ------------------------------------------------------
OLLAMA = [
    [("Hi", -0.125), ("Hello", -2.5)],
    [("", -0.75)],                                               # empty token: no bytes key
    [("\ufffd", -0.25), ("!", -1.75)],                            # lossy partial UTF-8
]


def llama_piece(raw):
    """llama.cpp's `token`: incomplete trailing UTF-8 cut off, lone continuation -> U+FFFD."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        if raw[0] & 0xC0 == 0x80:
            return "\ufffd"
        return ""


def main():
    check_mass([[(t, lp) for t, lp in st] for st in CHAT])
    write("openai_chat.json", dump(chat_response(CHAT, "chatcmpl-synthetic-1")))

    l1 = chat_response(CHAT_L1, "chatcmpl-synthetic-2")
    l2 = {"id": "batch_req_1", "custom_id": "request-2",
          "response": {"status_code": 200, "request_id": "req_1",
                       "body": chat_response(CHAT_L2, "chatcmpl-synthetic-3")},
          "error": None}
    write("openai_chat.jsonl", json.dumps(l1, ensure_ascii=False) + "\n" +
          json.dumps(l2, ensure_ascii=False) + "\n")

    compl = {"id": "cmpl-synthetic", "object": "text_completion", "model": "synthetic",
             "choices": [{"index": 0, "text": "The capital is Paris", "finish_reason": "length",
                          "logprobs": {"tokens": COMPL_TOKENS, "token_logprobs": COMPL_LP,
                                       "top_logprobs": None, "text_offset": [0, 3, 11, 14]}}]}
    # top_logprobs objects written by hand so the duplicate key survives
    tops = []
    for t in COMPL_TOP:
        if t is None:
            tops.append("null")
        else:
            tops.append("{" + ", ".join(json.dumps(k) + ": " + repr(v) for k, v in t) + "}")
    text = dump(compl).replace('"top_logprobs": null', '"top_logprobs": [' + ", ".join(tops) + "]")
    write("openai_completions.json", text)

    vllm = {"id": "cmpl-synthetic-vllm", "object": "text_completion", "model": "synthetic",
            "choices": [{"index": 0, "text": " Paris", "finish_reason": "length",
                         "logprobs": {"text_offset": [23], "token_logprobs": [VLLM_GEN[0][1]],
                                      "tokens": [VLLM_GEN[0][0]],
                                      "top_logprobs": [{t: lp for t, lp in VLLM_GEN}]},
                         "prompt_logprobs": [None if p is None else
                                             {str(i): {"logprob": lp, "rank": r, "decoded_token": d}
                                              for i, lp, r, d in p} for p in PROMPT]}]}
    write("vllm_prompt_logprobs.json", dump(vllm))

    def llama_entry(i, raw, v, key):
        return {"id": i, "token": llama_piece(raw), "bytes": b(raw), key: v}

    cp = []
    for st in LLAMA:
        e = llama_entry(*st[0], "logprob")
        e["top_logprobs"] = [llama_entry(i, raw, v, "logprob") for i, raw, v in st]
        cp.append(e)
    write("llamacpp.json", dump({"content": "I\U0001F60A", "stop": True, "completion_probabilities": cp}))

    cp = []
    for st in LLAMA_POST:
        e = llama_entry(*st[0], "prob")
        e["top_probs"] = [llama_entry(i, raw, v, "prob") for i, raw, v in st]
        cp.append(e)
    write("llamacpp_post.json", dump({"content": "I The", "stop": True, "completion_probabilities": cp}))

    old = [{"content": c, "probs": [{"tok_str": t, "prob": p} for t, p in probs]} for c, probs in LLAMA_OLD]
    write("llamacpp_old.json", dump({"content": " to,\u00e6", "stop": True, "completion_probabilities": old}))

    def tgi_tok(i, t, lp, sp):
        return {"id": i, "text": t, "logprob": lp, "special": sp}
    tgi = {"generated_text": " Paris",
           "details": {"finish_reason": "eos_token", "generated_tokens": len(TGI), "seed": None,
                       "prefill": [{"id": i, "text": t, "logprob": lp} for i, t, lp in TGI_PREFILL],
                       "tokens": [tgi_tok(*st[0]) for st in TGI],
                       "top_tokens": [[tgi_tok(*x) for x in st] for st in TGI]}}
    write("tgi.json", dump(tgi))

    def ollama_tok(t, lp):
        e = {"token": t, "logprob": lp}
        if t:
            e["bytes"] = b(t)   # omitempty: no key for an empty token
        return e

    def ollama_entry(st):
        e = ollama_tok(*st[0])
        if len(st) > 1:
            e["top_logprobs"] = [ollama_tok(t, lp) for t, lp in st]
        return e
    check_mass(OLLAMA)
    write("ollama.json", dump({"model": "synthetic", "created_at": "2026-01-01T00:00:00Z",
                               "response": "Hi\ufffd", "done": True, "done_reason": "stop",
                               "logprobs": [ollama_entry(st) for st in OLLAMA]}))
    lines = []
    for st in OLLAMA:
        lines.append({"model": "synthetic", "created_at": "2026-01-01T00:00:00Z",
                      "message": {"role": "assistant", "content": st[0][0]}, "done": False,
                      "logprobs": [ollama_entry(st)]})
    lines.append({"model": "synthetic", "created_at": "2026-01-01T00:00:01Z",
                  "message": {"role": "assistant", "content": ""}, "done": True, "done_reason": "stop"})
    write("ollama_stream.jsonl", "".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines))


if __name__ == "__main__":
    main()
