#!/bin/bash
# tests/bench/cli_per_step.sh OLD NEW: per-step wall and CPU (user+sys) of CLI commands
# (sample --all, mirostat 2, eval, sweep on /tmp/be.npy and /tmp/syn1k.npy, when present), the two binaries alternately,
# best of 2 each; per step = (whole run - `show FILE --step 0`: opening, one chain) / steps.
OLD=$1; NEW=$2
t() { /usr/bin/time -f "%e %U %S" "$@" 2>&1 >/dev/null | tail -1; }
best() { # prints "wall cpu" best of 2 runs
  local a b; a=$(t "$@"); b=$(t "$@")
  echo "$a
$b" | awk '{w=$1; c=$2+$3; if (NR==1||w<bw) bw=w; if (NR==1||c<bc) bc=c} END {printf "%.4f %.4f", bw, bc}'
}
row() { # label file steps cmd-args...
  local label=$1 f=$2 S=$3; shift 3
  printf "%-44s %-10s" "$label" "$(basename $f)"
  for b in $OLD $NEW; do
    read w1 c1 <<< "$(best $b show $f --step 0 --top 1)"
    read w c <<< "$(best $b "$@")"
    awk -v w=$w -v c=$c -v w1=$w1 -v c1=$c1 -v S=$S 'BEGIN {printf "  %8.1f %8.1f", (w-w1)/S*1e6, (c-c1)/S*1e6}'
  done
  echo
}
printf "%-44s %-10s  %8s %8s  %8s %8s\n" "per step, us" file "old wall" "old cpu" "new wall" "new cpu"
for f in /tmp/be.npy /tmp/syn1k.npy; do
  [ -f "$f" ] || { echo "($f missing: BENCH_KEEP=1 build/tests/bench_eval leaves a [2048, 131072] dump to rename)"; continue; }
  S=$(python3 -c "import struct;h=open('$f','rb').read(200).decode('latin1');import re;print(re.search(r'\((\d+),',h).group(1))")
  row "sample --all llama.cpp defaults" $f $S sample $f --all --defaults llama.cpp
  row "  the same, hf's order" $f $S sample $f --all --defaults llama.cpp --chain hf
  row "  the same, vllm's order" $f $S sample $f --all --defaults llama.cpp --chain vllm
  row "sample --all hf T 0.7 top-p 0.9 (no top-k)" $f $S sample $f --all -t 0.7 -p 0.9
  row "sample --all vllm min-p 0.05" $f $S sample $f --all --chain vllm --min-p 0.05
  row "sample --all greedy" $f $S sample $f --all -t 0
  row "sample --all llama.cpp mirostat 2" $f $S sample $f --all --defaults llama.cpp --mirostat 2
  row "eval hf T 0.7 top-p 0.95 N 200" $f $S eval $f --json -t 0.7 -p 0.95 -n 200
  row "sweep T 0,0.4,0.7,1 N 200" $f $S sweep $f --json -n 200
done
