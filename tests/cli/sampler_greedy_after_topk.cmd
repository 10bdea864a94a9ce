$LS show tests/data/sampling/ties.json --step 2 --chain llama.cpp --top-k 2 --temperature 0
