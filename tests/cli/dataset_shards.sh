#!/bin/sh
# dataset eval: --shard I/N parts combined by `dataset merge` equal the single
# run byte for byte (--json and the --out file); a run interrupted by SIGINT
# leaves a valid partial result (exit 130) and one killed by SIGKILL after a
# checkpoint leaves one too; --resume completes either to the same bytes.
set -u
d=$(mktemp -d) || exit 1
trap 'rm -rf "$d"' EXIT
A=samples/dataset/a.jsonl B=samples/dataset/b.jsonl
run() { "$LS" dataset eval $A --b $B -n 4 --temperatures 0,0.7 "$@"; }
fail() { echo "FAIL: $*"; exit 1; }

run --json >"$d/single.json" || fail "single run"
for i in 1 2 3; do run --shard $i/3 --out "$d/p$i.json" >/dev/null || fail "shard $i"; done
"$LS" dataset merge "$d/p2.json" "$d/p3.json" "$d/p1.json" --json --out "$d/merged_out.json" >"$d/merged.json" || fail merge
cmp "$d/single.json" "$d/merged.json" || fail "merge differs from the single run"
cmp "$d/single.json" "$d/merged_out.json" || fail "merge --out differs from the single run"
"$LS" dataset merge "$d/p1.json" "$d/p1.json" "$d/p2.json" "$d/p3.json" >/dev/null 2>"$d/err" && fail "shard twice accepted"
grep -q "given twice" "$d/err" || fail "shard twice: $(cat "$d/err")"

# a slow external evaluator makes the run long enough to interrupt
printf '#!/bin/sh\ncat >/dev/null; sleep 0.01; echo 1\n' >"$d/slow.sh"
chmod +x "$d/slow.sh"
slow() { "$LS" dataset eval $A --b $B -n 2 --temperatures 0.7 --evaluator slow="$d/slow.sh" --threads 2 "$@"; }
slow --json >"$d/full.json" 2>/dev/null &
full=$!
# background runs exec the binary, so $! is its pid (not a subshell's)
slow_bg() { exec "$LS" dataset eval $A --b $B -n 2 --temperatures 0.7 --evaluator slow="$d/slow.sh" --threads 2 "$@"; }
for sig in INT KILL; do
    out="$d/res_$sig.json"
    (slow_bg --out "$out" >/dev/null 2>&1) &
    pid=$!
    n=0
    # the first result is written at once (0 rows); wait for a checkpoint
    # holding rows
    done_rows() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['rows_done'])" "$out" 2>/dev/null || echo 0; }
    while [ "$(done_rows)" = 0 ] && [ $n -lt 300 ]; do sleep 0.1; n=$((n+1)); done
    [ "$(done_rows)" != 0 ] || fail "$sig: no checkpoint with rows after 30 s"
    kill -$sig $pid
    wait $pid
    rc=$?
    if [ $sig = INT ]; then [ $rc = 130 ] || fail "SIGINT: exit $rc, expected 130"; fi
    python3 -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if not d['complete'] and d['rows_done'] < d['rows_expected'] else 1)" "$out" \
        || fail "$sig: the partial result is not a valid incomplete result"
    slow --out "$out" --resume --json >"$d/resumed_$sig.json" 2>/dev/null || fail "$sig: resume"
    wait $full 2>/dev/null
    cmp "$d/full.json" "$d/resumed_$sig.json" || fail "$sig: resumed result differs from a full run"
    cmp "$d/full.json" "$out" || fail "$sig: resumed --out file differs from a full run"
done
echo "ok: shards, merge and resume"
