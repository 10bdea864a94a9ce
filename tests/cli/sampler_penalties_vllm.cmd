$LS show samples/demo.json --step 12 --chain vllm --repeat-penalty 1.5 --frequency-penalty 0.2 --presence-penalty 3 --top 8
