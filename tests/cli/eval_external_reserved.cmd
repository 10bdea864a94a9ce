$LS eval tests/data/eval/jsonish.json --evaluator perplexity_raw='echo 1'
