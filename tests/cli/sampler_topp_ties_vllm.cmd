$LS show tests/data/sampling/ties.json --step 1 --chain vllm --top-p 0.5
