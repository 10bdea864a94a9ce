$LS show tests/data/topn/llamacpp_big_id.json --step 1
