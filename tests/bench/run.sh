#!/bin/sh
# tests/bench/run.sh LS: the explorer's key-to-frame time (make bench).
# Runs the hidden `LS --bench-frames N`: a synthetic V = 262144 source drawn
# at 100x30 on /dev/null through the real frame path (chain run on the
# current step, every panel, blit, doupdate), N keys of parameter changes
# and step moves. Prints mean/median/p95/max per frame (target: < 5 ms) and
# the background sequence-work slices. Figures, never pass/fail.
LS=${1:-./logitscope}
echo "== explorer: key to finished frame"
LC_ALL=C.UTF-8 "$LS" --bench-frames 300

# .npy scale check: 1 GiB [2048, 131072] f32, last step, time and RSS
sh tests/bench/npy_big.sh "$LS"

# dataset eval at scale against the single eval runs it replaces (issue 13)
sh tests/bench/dataset_bench.sh "$LS"
