#!/bin/sh
# The sample dataset of two model versions (issue 13) is what its scripts
# make: samples/gen_dataset.py writes the same prompt manifest and the same
# synthetic dump pair, and the corpus of samples/gen_corpus.py trained at
# --order 3 gives samples/dataset/model_b.lsm byte for byte (as
# `make samples-dataset` does), so the README's dataset table stays reproducible.
set -u
d=$(mktemp -d) || exit 1
trap 'rm -rf "$d"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
mkdir -p "$d/samples"
cp samples/gen_dataset.py samples/gen_corpus.py "$d/samples/" || fail copy
python3 "$d/samples/gen_dataset.py" || fail "gen_dataset.py"
cmp samples/dataset/prompts.jsonl "$d/samples/dataset/prompts.jsonl" || fail "prompts.jsonl differs from its script"
for f in a.jsonl b.jsonl a/q000.json b/q199.json; do
    cmp "samples/dataset/$f" "$d/samples/dataset/$f" || fail "$f differs from its script"
done
[ "$(wc -l <samples/dataset/prompts.jsonl)" = 200 ] || fail "not 200 prompts"
python3 samples/gen_corpus.py >"$d/corpus.txt" || fail "gen_corpus.py"
"$LS" train "$d/corpus.txt" --order 3 -o "$d/model_b.lsm" >/dev/null || fail train
cmp samples/dataset/model_b.lsm "$d/model_b.lsm" || fail "model_b.lsm differs from its training"
echo "ok: sample dataset models"
