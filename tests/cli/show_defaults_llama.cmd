$LS show samples/demo.json --step 20 --defaults llama.cpp --top 8
