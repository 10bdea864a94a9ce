$LS show tests/data/sampling/ties.json --step 2 --chain vllm --temperature 3
