$LS sweep tests/data/eval/jsonish.json --temperatures 0,,1
