#!/bin/sh
# dataset eval at scale (issue 13): 200 rows x 4 temperatures x N = 200
# continuations, versions A and B, dumps of [64, 32000] float32 (.npy, with
# a 32000-token vocabulary file), against the sum of the single runs it
# replaces: 200 rows x 2 versions x 4 temperatures = 1600 `eval` runs plus
# 200 `diff A B` runs for the KL statistics (K of each are timed and the
# sums extrapolated from their means). To keep the
# disk small the 200 rows of each version point at 4 distinct dumps (the
# evaluation, not the read, is the cost). Figures, never pass/fail.
# Usage: sh tests/bench/dataset_bench.sh [./logitscope] [K]
LS=${1:-./logitscope}
K=${2:-8}
D=${TMPDIR:-/tmp}/logitscope_dsbench_$$
trap 'rm -rf "$D"' EXIT
mkdir -p "$D"
python3 - "$D" <<'PY'
import os, random, struct, sys
d = sys.argv[1]
S, V = 64, 32000
json_toks = ['{', '}', '"', ':', ',', 'a', '1', ' ']
with open(os.path.join(d, "vocab.txt"), "w") as f:
    for i in range(V):
        # the JSON tokens at ids 1000..1007 (a first line "{" would look like JSON)
        f.write((json_toks[i - 1000] if 1000 <= i < 1000 + len(json_toks) else "t%d" % i) + "\n")
def hdr():
    h = "{'descr': '<f4', 'fortran_order': False, 'shape': (%d, %d), }" % (S, V)
    h += " " * ((64 - (10 + len(h) + 1) % 64) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(h)) + h.encode()
# one JSON object over the 64 steps: {"a":111...1}
seq = ['{', '"', 'a', '"', ':'] + ['1'] * (S - 6) + ['}']
for v, margin in (("a", 1.0), ("b", 2.5)):
    for k in range(4):
        rng = random.Random(100 * k + (v == "b"))
        base = [-8.0 - 4.0 * rng.random() for _ in range(V)]
        with open(os.path.join(d, "%s%d.npy" % (v, k)), "wb") as f:
            f.write(hdr())
            for s in range(S):
                z = list(base)
                t = json_toks.index(seq[s % len(seq)])
                z[1000 + t] = 0.0
                z[1000 + (t + 1) % len(json_toks)] = -margin
                f.write(struct.pack("<%df" % V, *z))
    with open(os.path.join(d, v + ".jsonl"), "w") as f:
        for q in range(200):
            f.write('{"id":"q%03d","dump":"%s%d.npy"}\n' % (q, v, q % 4))
PY
TEMPS=0,0.4,0.7,1
# wall and CPU seconds (user + system): on a shared machine the CPU time is
# the steadier figure
timed() { /usr/bin/time -f "%e %U %S" -a -o "$D/times" "$@"; }
timed "$LS" dataset eval "$D/a.jsonl" --b "$D/b.jsonl" --vocab "$D/vocab.txt" --temperatures $TEMPS -n 200 --json >"$D/out.json" || exit 1
i=0
for T in 0 0.4 0.7 1 0 0.4 0.7 1 0 0.4 0.7 1 0 0.4 0.7 1; do
    [ $i -ge "$K" ] && break
    timed "$LS" eval "$D/a$((i % 4)).npy" --vocab "$D/vocab.txt" --temperature $T -n 200 --json >/dev/null || exit 1
    i=$((i + 1))
done
i=0
while [ $i -lt "$K" ]; do
    timed "$LS" diff "$D/a$((i % 4)).npy" "$D/b$((i % 4)).npy" --json >/dev/null || exit 1
    i=$((i + 1))
done
python3 - "$D/times" "$K" "$D/out.json" <<'PY'
import json, sys
t = [list(map(float, l.split())) for l in open(sys.argv[1]) if l.strip() and l[0].isdigit()]
k = int(sys.argv[2])
d = json.load(open(sys.argv[3]))
js = [c for c in d["summary"] if c["metric"] == "json_valid_share"]
ds_wall, ds_cpu = t[0][0], t[0][1] + t[0][2]
ev, df = t[1:1 + k], t[1 + k:1 + 2 * k]
sum_wall = 1600 * sum(x[0] for x in ev) / k + 200 * sum(x[0] for x in df) / k
sum_cpu = 1600 * sum(x[1] + x[2] for x in ev) / k + 200 * sum(x[1] + x[2] for x in df) / k
print("== dataset eval: 200 rows x 4 temperatures x N = 200, A and B, [64, 32000] f32 dumps")
print("dataset eval, one run:      wall %8.1f s   cpu %8.1f s  (%d rows, %s)" % (ds_wall, ds_cpu, d["rows_done"],
      "complete" if d["complete"] else "INCOMPLETE"))
print("1600 eval + 200 diff runs (from %d each): wall %8.1f s   cpu %8.1f s" % (k, sum_wall, sum_cpu))
print("ratio (single runs / dataset eval): wall %.1fx  cpu %.1fx" % (sum_wall / ds_wall, sum_cpu / ds_cpu))
for c in js:
    print("  json_valid_share T=%g: A %.3f  B %.3f  delta %+.3f [%+.3f, %+.3f]" %
          (c["temperature"], c["mean_a"], c["mean_b"], c["delta"], c["delta_ci"][0], c["delta_ci"][1]))
PY
