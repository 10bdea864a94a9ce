$LS show samples/demo.json --step 20 --top-k 2 --defaults llama.cpp --top 4
