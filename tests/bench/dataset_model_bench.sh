#!/bin/sh
# dataset eval on the built-in model (issue 13): the first ROWS prompt rows
# (default 200) of samples/dataset/prompts.jsonl x 4 temperatures x N
# continuations (default 200) of at most M tokens (default 32), version A =
# samples/model.lsm and version B = samples/dataset/model_b.lsm (two versions
# of the built-in model, `make samples-dataset`), against
# the sum of the single runs it replaces: ROWS x 2 versions x 4 temperatures
# `eval --model M --prompt P --temperature T -n N` runs (K of them timed, the
# sum extrapolated from their mean). Wall and CPU seconds; figures, never
# pass/fail. Usage: sh tests/bench/dataset_model_bench.sh [./logitscope] [K]
# (ROWS, N, M from the environment).
LS=${1:-./logitscope}
K=${2:-8}
ROWS=${ROWS:-200}
N=${N:-200}
M=${M:-32}
MA=samples/model.lsm
MB=samples/dataset/model_b.lsm
D=${TMPDIR:-/tmp}/logitscope_dsmbench_$$
trap 'rm -rf "$D"' EXIT
mkdir -p "$D"
head -n "$ROWS" samples/dataset/prompts.jsonl >"$D/prompts.jsonl"
ROWS=$(wc -l <"$D/prompts.jsonl")
TEMPS=0,0.4,0.7,1
timed() { /usr/bin/time -f "%e %U %S" -a -o "$D/times" "$@"; }
timed "$LS" dataset eval "$D/prompts.jsonl" --b "$D/prompts.jsonl" --model $MA --b-model $MB --temperatures $TEMPS \
    -n "$N" --max-tokens "$M" --json >"$D/out.json" || exit 1
i=0
for T in 0 0.4 0.7 1 0 0.4 0.7 1 0 0.4 0.7 1 0 0.4 0.7 1; do
    [ $i -ge "$K" ] && break
    P=$(sed -n "$((i * 27 % ROWS + 1))p" "$D/prompts.jsonl" | python3 -c 'import json,sys; print(json.load(sys.stdin)["prompt"])')
    [ $((i % 2)) = 0 ] && MOD=$MA || MOD=$MB
    timed "$LS" eval --model $MOD --prompt "$P" --temperature $T -n "$N" --max-tokens "$M" --json >/dev/null || exit 1
    i=$((i + 1))
done
python3 - "$D/times" "$K" "$D/out.json" "$ROWS" "$N" "$M" <<'PY'
import json, sys
t = [list(map(float, l.split())) for l in open(sys.argv[1]) if l.strip() and l[0].isdigit()]
k, rows, n, m = int(sys.argv[2]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
d = json.load(open(sys.argv[3]))
ds_wall, ds_cpu = t[0][0], t[0][1] + t[0][2]
ev = t[1:1 + k]
runs = rows * 2 * 4
sum_wall = runs * sum(x[0] for x in ev) / k
sum_cpu = runs * sum(x[1] + x[2] for x in ev) / k
print("== dataset eval on the built-in model: %d prompt rows x 4 temperatures x N = %d (at most %d tokens), A and B" % (rows, n, m))
print("dataset eval, one run:      wall %8.1f s   cpu %8.1f s  (%d rows, %s)" % (ds_wall, ds_cpu, d["rows_done"],
      "complete" if d["complete"] else "INCOMPLETE"))
print("%d eval --model runs (from %d): wall %8.1f s   cpu %8.1f s" % (runs, k, sum_wall, sum_cpu))
print("ratio (single runs / dataset eval): wall %.1fx  cpu %.1fx" % (sum_wall / ds_wall, sum_cpu / ds_cpu))
for c in d["summary"]:
    if c["metric"] == "json_valid_share":
        print("  json_valid_share T=%g: A %.3f  B %.3f  delta %+.3f [%+.3f, %+.3f]" %
              (c["temperature"], c["mean_a"], c["mean_b"], c["delta"], c["delta_ci"][0], c["delta_ci"][1]))
PY
