$LS eval tests/data/eval/jsonish.json -n 2 --evaluator x=yes
