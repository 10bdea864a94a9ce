$LS sweep tests/data/eval/jsonish.json --top-ps 0.5,1.5
