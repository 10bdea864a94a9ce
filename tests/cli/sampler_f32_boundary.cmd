$LS show tests/data/sampling/f32.json --chain llama.cpp --top-p 0.5
