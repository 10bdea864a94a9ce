$LS sweep tests/data/eval/jsonish.json -n 200
