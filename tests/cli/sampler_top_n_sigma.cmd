$LS show samples/demo.json --step 5 --defaults llama.cpp --top-n-sigma 1 --top 8
