$LS show tests/data/topn/paris_legacy.json --step 2 --defaults llama.cpp --top-k 1 --temperature 0.5
