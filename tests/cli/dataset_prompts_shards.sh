#!/bin/sh
# dataset eval with prompt rows (two models, A and B): the result does not
# depend on the number of threads (each thread opens its own model), and
# --shard parts merged give the single run byte for byte.
set -u
d=$(mktemp -d) || exit 1
trap 'rm -rf "$d"' EXIT
P=tests/data/dataset/prompts.jsonl
run() { "$LS" dataset eval $P --b $P --model samples/model.lsm --b-model tests/data/model/small.lsm -n 6 \
            --max-tokens 20 --temperatures 0,0.8 --json "$@"; }
fail() { echo "FAIL: $*"; exit 1; }
run --threads 1 >"$d/t1.json" || fail "one thread"
run --threads 2 >"$d/t2.json" || fail "two threads"
cmp "$d/t1.json" "$d/t2.json" || fail "the result depends on the number of threads"
for i in 1 2; do run --shard $i/2 --out "$d/p$i.json" >/dev/null || fail "shard $i"; done
"$LS" dataset merge "$d/p2.json" "$d/p1.json" --json >"$d/merged.json" || fail merge
cmp "$d/t1.json" "$d/merged.json" || fail "merged shards differ from the single run"
grep -q '"model_b":	"tests/data/model/small.lsm"' "$d/t1.json" || fail "the settings do not name B's model"
echo "ok: prompt rows: threads, shards"
