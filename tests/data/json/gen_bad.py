#!/usr/bin/env python3
"""gen_bad.py: malformed JSON API inputs (robustness.md section 8) for the CLI
golden tests tests/cli/fmt_json_err_*.cmd. Deterministic; rerun after editing
and review `git diff`. Written next to this script."""
import json
import os

D = os.path.dirname(os.path.abspath(__file__))


def w(name, data):
    if isinstance(data, str):
        data = data.encode("utf-8")
    with open(os.path.join(D, name), "wb") as f:
        f.write(data)


def entry(tok, lp, top=()):
    return {"token": tok, "logprob": lp, "bytes": list(tok.encode()),
            "top_logprobs": [{"token": t, "logprob": v, "bytes": list(t.encode())} for t, v in top]}


def chat(content):
    return {"object": "chat.completion", "choices": [{"index": 0, "logprobs": {"content": content}}]}


GOOD = chat([entry("a", -0.5, [("a", -0.5), ("b", -1.5)]), entry("c", -0.25, [("c", -0.25)])])
good = json.dumps(GOOD, indent=1)

w("empty.json", b"")
w("whitespace.json", " \n\t \n")
w("bom_only.json", b"\xef\xbb\xbf")
w("truncated.json", good[: len(good) // 2])
w("trailing.json", good + " junk\n")
w("nul.json", good[:40].encode() + b"\x00" + good[40:].encode())
w("utf16.json", good.encode("utf-16"))          # BOM FF FE + UTF-16-LE
w("deep.json", '{"choices": ' + "[" * 1001 + "]" * 1001 + "}")
w("nan.json", good.replace("-0.25", "NaN", 1))
w("neg_infinity.json", '{"choices":[{"logprobs":{"tokens":["a"],"token_logprobs":[-Infinity]}}]}\n')
w("huge_number.json", good.replace("-0.25", "-1e400", 1))

bad = chat([entry("a", -0.5), entry("b", -0.5), entry("c", -0.5), entry("d", -0.5)])
bad["choices"][0]["logprobs"]["content"][3]["logprob"] = "-0.5"
w("wrong_type.json", json.dumps(bad, indent=1))

miss = chat([entry("a", -0.5), entry("b", -0.5)])
del miss["choices"][0]["logprobs"]["content"][1]["logprob"]
w("missing_key.json", json.dumps(miss, indent=1))

w("content_not_array.json", '{"choices": [{"logprobs": {"content": {"token": "a"}}}]}\n')
w("no_logprobs.json", '{"choices": [{"index": 0, "message": {"content": "hi"}, "logprobs": null}]}\n')
w("empty_choices.json", '{"choices": []}\n')
w("unknown.json", '{"hello": "world"}\n')
w("lengths.json", json.dumps({"choices": [{"logprobs": {
    "tokens": ["a", "b", "c", "d"], "token_logprobs": [-1.0, -1.0, -1.0],
    "top_logprobs": None, "text_offset": [0, 1, 2, 3]}}]}, indent=1))
w("offset_lengths.json", json.dumps({"choices": [{"logprobs": {
    "tokens": ["a", "b"], "token_logprobs": [-1.0, -1.0], "text_offset": [0]}}]}))

bb = chat([entry("a", -0.5)])
bb["choices"][0]["logprobs"]["content"][0]["bytes"] = [72, 256]
w("bad_bytes.json", json.dumps(bb, indent=1))
bb["choices"][0]["logprobs"]["content"][0]["bytes"] = [72, 1.5]
w("bad_bytes_fraction.json", json.dumps(bb, indent=1))
bb["choices"][0]["logprobs"]["content"][0]["bytes"] = "Hi"
w("bad_bytes_type.json", json.dumps(bb, indent=1))

w("lone_surrogate.json", '{"choices":[{"logprobs":{"content":[{"token":"\\ud800","logprob":-1,"top_logprobs":[]}]}}]}\n')
w("prob_range.json", '{"completion_probabilities":[{"id":1,"token":"a","bytes":[97],"prob":1.5,"top_probs":[]}]}\n')
w("mixed_prob.json", json.dumps({"completion_probabilities": [
    {"id": 1, "token": "a", "logprob": -0.5, "top_logprobs": []},
    {"id": 2, "token": "b", "prob": 0.5, "top_probs": []}]}, indent=1))
w("bad_id.json", '{"completion_probabilities":[{"id":-3,"token":"a","logprob":-0.5,"top_logprobs":[]}]}\n')
w("tgi_lengths.json", json.dumps({"details": {"tokens": [
    {"id": 1, "text": "a", "logprob": -0.5, "special": False},
    {"id": 2, "text": "b", "logprob": -0.5, "special": False}],
    "top_tokens": [[{"id": 1, "text": "a", "logprob": -0.5, "special": False}]]}}, indent=1))
w("tgi_no_details.json", '{"generated_text": "x", "details": null, "choices": null}\n')

line1 = json.dumps(chat([entry("a", -0.5)]))
bad2 = chat([entry("a", -0.5), entry("b", -0.5)])
bad2["choices"][0]["logprobs"]["content"][1]["top_logprobs"][0:0] = [{"token": "x", "logprob": True}]
w("lines_wrong_type.jsonl", line1 + "\n" + json.dumps(bad2) + "\n")
w("lines_syntax.jsonl", line1 + "\n" + line1 + "\n" + line1[:-3] + "\n")
w("lines_nan.jsonl", line1 + "\n" + line1.replace("-0.5", "NaN") + "\n")

# loads (exit 0) but with something to say
hostile = chat([entry("\x1b]0;pwned\x07", -0.5, [("\x1b]0;pwned\x07", -0.5), ("\u202eevil", -1.0)])])
w("hostile.json", json.dumps(hostile))
w("positive.json", json.dumps(chat([entry("a", 0.5, [("a", 0.5), ("b", -0.25)])])))
w("sse.txt", "event: message\n"
  'data: {"completion_probabilities":[{"id":5,"token":"a","bytes":[97],"logprob":-0.5,"top_logprobs":[{"id":5,"token":"a","bytes":[97],"logprob":-0.5},{"id":6,"token":"b","bytes":[98],"logprob":-1.5}]}]}\n'
  "\n"
  'data: {"completion_probabilities":[{"id":6,"token":"b","bytes":[98],"logprob":-0.25,"top_logprobs":[]}]}\n'
  "\n"
  'data: {"content":"","stop":true}\n'
  "\n"
  "data: [DONE]\n")
w("u0000.json", '{"choices":[{"logprobs":{"content":[{"token":"a\\u0000b","logprob":-1,"top_logprobs":[]},'
  '{"token":"c\\u0000d","bytes":[99,0,100],"logprob":-1,"top_logprobs":[]}]}}]}\n')
