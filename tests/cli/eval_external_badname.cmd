$LS eval tests/data/eval/jsonish.json --evaluator 'bad name=echo 1'
