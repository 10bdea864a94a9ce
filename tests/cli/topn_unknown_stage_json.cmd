$LS show tests/data/topn/paris_legacy.json --step 2 --chain typical,top-k --typical-p 0.5 --top-k 1 --json
