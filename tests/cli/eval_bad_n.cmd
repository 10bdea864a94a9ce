$LS eval tests/data/eval/jsonish.json -n 0
