$LS show tests/data/topn/paris_legacy.json --step 2 --top-p 0.9 --temperature 0.7
