$LS show tests/data/topn/paris_legacy.json --step 2 --min-p 0.01
