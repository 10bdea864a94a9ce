$LS show tests/data/sampling/ties.json --step 0 --defaults llama.cpp --top-k 4 --top-p 1 --min-p 0 --temperature 1 --exact
