$LS show tests/data/topn/impossible.json --step 0
