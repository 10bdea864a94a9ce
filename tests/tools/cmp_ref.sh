#!/bin/bash
# tests/tools/cmp_ref.sh BIN REF [DIR]: byte-compare BIN's outputs with a
# reference binary REF's (issue 9: a faster engine must print the same
# bytes), over 6 files x 33 settings x sample/show/eval/sweep, on the
# default and the portable SIMD path. Prints "compared N differ D" and each
# difference. A developer's tool, not part of make check (it needs a second
# build): e.g. REF from `git worktree add /tmp/ref d80648a && make -C
# /tmp/ref logitscope`. DIR (default /tmp/cmp) holds the dumps; they are
# written there when missing (cmp_ref_gen.py, a built-in model dump, two
# samples/ files).
BIN=$(readlink -f "$1"); REF=$(readlink -f "$2")
D=${3:-/tmp/cmp}; O=$(mktemp -d); n=0; bad=0
HERE=$(cd "$(dirname "$0")/../.." && pwd)
if [ ! -f "$D/m.json" ]; then
  mkdir -p "$D"
  python3 "$HERE/tests/tools/cmp_ref_gen.py" "$D"
  "$REF" dump --prompt 'The cat' --max-tokens 120 -t 1.5 --seed 1 -o "$D/m.json" >/dev/null
  cp "$HERE/samples/openai_chat.json" "$HERE/samples/logits_bf16.npy" "$D/"
fi
SETS=(
 "--defaults llama.cpp" "--defaults hf" "--defaults vllm"
 "--defaults llama.cpp --chain hf" "--defaults llama.cpp --chain vllm"
 "-t 0.7 -p 0.9" "-t 0.7 -p 0.9 --chain llama.cpp" "-t 0.7 -p 0.9 --chain vllm"
 "--chain vllm --min-p 0.05" "--min-p 0.1 --chain llama.cpp" "-k 40" "-k 40 --chain llama.cpp"
 "-t 0" "-t 0 --chain llama.cpp -p 0.5" "-t 1e-5 --chain vllm" "-t 1e-5" "-t 1.5 -p 0.99"
 "--mirostat 2 --chain llama.cpp" "--mirostat 1 --chain llama.cpp" "--typical-p 0.9 -t 0.9"
 "--top-n-sigma 1.5 --chain llama.cpp" "--xtc-probability 0.5 --xtc-threshold 0.05 --chain llama.cpp"
 "--epsilon 1e-4 -t 0.8" "--eta 1e-3" "--exact -t 0.7 -p 0.9 -k 20" "--chain top-k,temperature,top-p -k 30 -t 0.6 -p 0.8"
 "--dynatemp-range 0.5 --chain llama.cpp" "--repeat-penalty 1.3 --chain llama.cpp -t 0.8"
 "--frequency-penalty 0.5 --presence-penalty 0.3 --chain vllm -t 0.9 -p 0.95"
 "--dry-multiplier 0.8 --chain llama.cpp" "-t 1"
 "--exact -t 0.7 -p 0.9" "--exact -t 1.3 -p 0.99 --min-p 0.01 --chain llama.cpp"
)
run() { # id cmd...
  local id=$1; shift
  for path in default portable; do
    if [ $path = portable ]; then e="LOGITSCOPE_SIMD=portable"; else e="X=1"; fi
    env $e "$REF" "$@" >"$O/r" 2>&1; echo "rc $?" >>"$O/r"
    env $e "$BIN" "$@" >"$O/b" 2>&1; echo "rc $?" >>"$O/b"
    n=$((n+1))
    if ! cmp -s "$O/r" "$O/b"; then bad=$((bad+1)); echo "DIFFER [$path] $*"; diff "$O/r" "$O/b" | head -4; fi
  done
}
for f in pk.npy flat.npy small.npy m.json openai_chat.json logits_bf16.npy; do
  for s in "${SETS[@]}"; do
    run x sample $D/$f --all --json $s
    run x show $D/$f --step 3 --top 30 --json $s
    run x eval $D/$f --json -n 20 $s
  done
  run x sweep $D/$f --json -n 20
  run x sweep $D/$f --json -n 20 --top-ps 0.5,0.9 --min-ps 0,0.1 --grid
  run x sweep $D/$f --json -n 20 --chain llama.cpp --temperatures 0,0.001,0.7,2
  run x sample $D/$f --step 5 -n 500 --json --defaults llama.cpp
  run x sample $D/$f --step 5 -n 500 --json -t 0.7 -p 0.9
done
echo "compared $n differ $bad"
rm -rf "$O"
