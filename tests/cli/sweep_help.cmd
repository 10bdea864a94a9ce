$LS sweep tests/data/eval/jsonish.json --help
