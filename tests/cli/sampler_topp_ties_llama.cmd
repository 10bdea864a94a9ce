$LS show tests/data/sampling/ties.json --step 1 --chain llama.cpp --top-p 0.5
