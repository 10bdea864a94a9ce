$LS show samples/demo.json --step 3 --defaults llama.cpp --mirostat 1 --top 5
