$LS show samples/demo.json --step 20 --defaults llama.cpp --dry-multiplier 0.8 --top 8
