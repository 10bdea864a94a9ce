$LS show tests/data/sampling/ties.json --step 2 --temperature 0
