$LS show tests/data/topn/paris_legacy.json --step 2 --top-p 0.999
