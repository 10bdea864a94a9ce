$LS show tests/data/topn/paris_legacy.json --step 2 --temperature 0.5
