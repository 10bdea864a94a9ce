$LS eval tests/data/eval/jsonish.json -n 2 --evaluator x='echo 0x1p4'
