$LS eval tests/data/eval/jsonish.json -n 3 --evaluator x='echo 1e308' | grep '^x '
