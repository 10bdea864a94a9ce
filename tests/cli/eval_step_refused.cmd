$LS eval tests/data/eval/two.json --step 0
