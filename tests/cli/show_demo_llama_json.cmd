$LS show samples/demo.json --step 5 --temperature 0.6 --top-p 0.9 --top 6 --chain llama.cpp --json
