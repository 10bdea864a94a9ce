$LS show samples/demo.json --step 5 --defaults llama.cpp --dynatemp-range 0.5 --top 5
