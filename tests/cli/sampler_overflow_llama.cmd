$LS show tests/data/sampling/overflow.json --chain llama.cpp --top-p 0.95 --top 3
