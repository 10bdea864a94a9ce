$LS show tests/data/sampling/ties.json --step 0 --temperature 1e-7 --chain vllm
