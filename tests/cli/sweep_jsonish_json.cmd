$LS sweep tests/data/eval/jsonish.json -n 50 --json
